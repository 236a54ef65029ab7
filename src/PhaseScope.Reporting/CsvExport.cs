using System.Globalization;
using System.Text;
using PhaseScope.IO;

namespace PhaseScope.Reporting;

/// <summary>Writes a run's metrics (long form: step, name, value, wall_time) and events as CSV.</summary>
public static class CsvExport
{
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

    /// <summary>
    /// RFC 4180 quoting when needed, after neutralising spreadsheet formulas: a text cell that starts with <c>=</c>, <c>+</c>,
    /// <c>-</c>, <c>@</c>, a tab or a carriage return is prefixed with <c>'</c> (OWASP's CSV-injection rule), so an event
    /// message or metric name such as <c>=HYPERLINK(…)</c> is shown as text by Excel or LibreOffice, never run. Numbers
    /// are written by <see cref="Number"/> and never prefixed.
    /// </summary>
    static string Quote(string s)
    {
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r') s = "'" + s;
        return s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    static void AtomicWrite(string path, Action<TextWriter> write) =>
        AtomicFile.Write(path, fs =>
        {
            using var w = new StreamWriter(fs, new UTF8Encoding(false), leaveOpen: true);
            write(w);
        });
}
