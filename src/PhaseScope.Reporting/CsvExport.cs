using System.Globalization;
using System.Text;
using PhaseScope.IO;

namespace PhaseScope.Reporting;

/// <summary>Writes a run's metrics (long form: step, name, value, wall_time) and events as CSV.</summary>
public static class CsvExport
{
    /// <summary>The files <see cref="Write"/> creates in its folder.</summary>
    public static readonly IReadOnlyList<string> FileNames = ["metrics.csv", "events.csv"];

    /// <summary>Writes <c>metrics.csv</c> and <c>events.csv</c> into <paramref name="outDirectory"/>; each file appears whole or not at all.</summary>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(RunReader run, string outDirectory)
    {
        Directory.CreateDirectory(outDirectory);
        var metricsPath = Path.Combine(outDirectory, "metrics.csv");
        var eventsPath = Path.Combine(outDirectory, "events.csv");
        AtomicWrite(metricsPath, w =>
        {
            w.WriteLine("step,name,value,wall_time");
            foreach (var (m, wall) in run.Metrics())
                w.WriteLine($"{m.Step},{Quote(m.Name)},{Number(m.Value)},{Number(wall)}");
        });
        AtomicWrite(eventsPath, w =>
        {
            w.WriteLine("step,kind,source,message,wall_time");
            foreach (var (e, wall) in run.Events())
                w.WriteLine($"{e.Step},{Quote(e.Kind)},{Quote(e.Source)},{Quote(e.Message)},{Number(wall)}");
        });
        return [metricsPath, eventsPath];
    }

    /// <summary>Round-trip formatting; NaN and ±∞ as <c>nan</c>, <c>inf</c>, <c>-inf</c> (what pandas reads).</summary>
    static string Number(double v) =>
        double.IsNaN(v) ? "nan" : double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("R", CultureInfo.InvariantCulture);

    static string Quote(string s) => Text.CsvText.Of(s);

    static void AtomicWrite(string path, Action<TextWriter> write) =>
        AtomicFile.Write(path, fs =>
        {
            using var w = new StreamWriter(fs, new UTF8Encoding(false), leaveOpen: true);
            write(w);
        });
}
