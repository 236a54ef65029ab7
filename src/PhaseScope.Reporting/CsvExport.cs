using System.Text;
using PhaseScope.IO;

namespace PhaseScope.Reporting;

/// <summary>
/// Writes a run's metrics (long form: run, fingerprint, step, name, value, wall_time) and events (run, fingerprint, step,
/// kind, source, message, wall_time) as CSV. Every row carries the run's name and settings fingerprint (empty when the run
/// has none; <see cref="RunIdentity"/>), so the files of many runs can be concatenated; cells are written by <see cref="CsvCell"/>.
/// </summary>
public static class CsvExport
{
    /// <summary>Writes <c>metrics.csv</c> and <c>events.csv</c> into <paramref name="outDirectory"/>; each file appears whole or not at all.</summary>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(RunReader run, string outDirectory)
    {
        Directory.CreateDirectory(outDirectory);
        var id = RunIdentity.Of(run);
        string prefix = $"{CsvCell.Text(id.Name)},{CsvCell.Text(id.Fingerprint ?? "")}";
        var metricsPath = Path.Combine(outDirectory, "metrics.csv");
        var eventsPath = Path.Combine(outDirectory, "events.csv");
        AtomicWrite(metricsPath, w =>
        {
            w.WriteLine("run,fingerprint,step,name,value,wall_time");
            foreach (var (m, wall) in run.Metrics())
                w.WriteLine($"{prefix},{m.Step},{CsvCell.Text(m.Name)},{CsvCell.Number(m.Value)},{CsvCell.Number(wall)}");
        });
        AtomicWrite(eventsPath, w =>
        {
            w.WriteLine("run,fingerprint,step,kind,source,message,wall_time");
            foreach (var (e, wall) in run.Events())
                w.WriteLine($"{prefix},{e.Step},{CsvCell.Text(e.Kind)},{CsvCell.Text(e.Source)},{CsvCell.Text(e.Message)},{CsvCell.Number(wall)}");
        });
        return [metricsPath, eventsPath];
    }

    static void AtomicWrite(string path, Action<TextWriter> write) =>
        AtomicFile.Write(path, fs =>
        {
            using var w = new StreamWriter(fs, new UTF8Encoding(false), leaveOpen: true);
            write(w);
        });
}
