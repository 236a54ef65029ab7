using System.Globalization;

namespace PhaseScope.Reporting;

/// <summary>How PhaseScope writes CSV cells (exports and <c>phasescope query --format csv</c>).</summary>
public static class CsvCell
{
    /// <summary>Round-trip formatting (invariant culture); NaN and ±∞ as <c>nan</c>, <c>inf</c>, <c>-inf</c> (what pandas reads).</summary>
    public static string Number(double v) =>
        double.IsNaN(v) ? "nan" : double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// RFC 4180 quoting when needed, after neutralising spreadsheet formulas: a text cell that starts with <c>=</c>, <c>+</c>,
    /// <c>-</c>, <c>@</c>, a tab or a carriage return is prefixed with <c>'</c> (OWASP's CSV-injection rule), so an event
    /// message, metric or run name such as <c>=HYPERLINK(…)</c> is shown as text by Excel or LibreOffice, never run. Numbers
    /// are written by <see cref="Number"/> and never prefixed.
    /// </summary>
    public static string Text(string s)
    {
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r') s = "'" + s;
        return s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
    }
}
