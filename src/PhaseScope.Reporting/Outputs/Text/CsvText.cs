using System.Globalization;

namespace PhaseScope.Reporting.Outputs.Text;

/// <summary>
/// How PhaseScope writes CSV cells (exports and <c>phasescope query --format csv</c>). A text cell: hidden characters made
/// visible (<see cref="VisibleText"/>: a file printed with <c>cat</c> must not drive the terminal, and a newline stays
/// inside its record), then spreadsheet formulas neutralised — a cell that starts with <c>=</c>, <c>+</c>, <c>-</c> or
/// <c>@</c> is prefixed with <c>'</c> (OWASP's CSV-injection rule), so <c>=HYPERLINK(…)</c> is shown as text by Excel or
/// LibreOffice, never run — and RFC 4180 quoting when the cell holds a comma or a quote. Numbers are written by
/// <see cref="Number"/> and never prefixed.
/// </summary>
public static class CsvText
{
    /// <summary><paramref name="s"/> as one CSV field.</summary>
    public static string Of(string? s)
    {
        var v = VisibleText.Of(s);
        if (v.Length > 0 && v[0] is '=' or '+' or '-' or '@') v = "'" + v;
        return v.IndexOfAny([',', '"']) < 0 ? v : "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Round-trip formatting (invariant culture); NaN and ±∞ as <c>nan</c>, <c>inf</c>, <c>-inf</c> (what pandas reads).</summary>
    public static string Number(double v) =>
        double.IsNaN(v) ? "nan" : double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("R", CultureInfo.InvariantCulture);
}
