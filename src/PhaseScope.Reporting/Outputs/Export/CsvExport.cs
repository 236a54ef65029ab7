using System.Text;
using PhaseScope.IO;
using PhaseScope.Reporting.Outputs.Text;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Reporting.Outputs.Export;

/// <summary>
/// Writes a run's metrics (long form: run, fingerprint, step, name, value, wall_time) and events (run, fingerprint, step,
/// kind, source, message, wall_time) as CSV. Every row carries the run's name and settings fingerprint (empty when the run
/// has none; <see cref="RunIdentity"/>), so the files of many runs can be concatenated; cells are written by <see cref="Text.CsvText"/>.
/// </summary>
public static class CsvExport
{
    /// <summary>The files <see cref="Write"/> creates in its folder.</summary>
    public static readonly IReadOnlyList<string> FileNames = ["metrics.csv", "events.csv"];

    /// <summary>Writes <c>metrics.csv</c> and <c>events.csv</c> into <paramref name="outDirectory"/>; each file appears whole or not at all.</summary>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(RunReader run, string outDirectory)
    {
        Directory.CreateDirectory(outDirectory);
        var id = RunIdentity.Of(run);
        string prefix = $"{CsvText.Of(id.Name)},{CsvText.Of(id.Fingerprint ?? "")}";
        var metricsPath = Path.Combine(outDirectory, "metrics.csv");
        var eventsPath = Path.Combine(outDirectory, "events.csv");
        AtomicWrite(metricsPath, w =>
        {
            w.WriteLine("run,fingerprint,step,name,value,wall_time");
            foreach (var (m, wall) in run.Metrics())
                w.WriteLine($"{prefix},{m.Step},{CsvText.Of(m.Name)},{CsvText.Number(m.Value)},{CsvText.Number(wall)}");
        });
        AtomicWrite(eventsPath, w =>
        {
            w.WriteLine("run,fingerprint,step,kind,source,message,wall_time");
            foreach (var (e, wall) in run.Events())
                w.WriteLine($"{prefix},{e.Step},{CsvText.Of(e.Kind)},{CsvText.Of(e.Source)},{CsvText.Of(e.Message)},{CsvText.Number(wall)}");
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
