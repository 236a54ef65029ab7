namespace PhaseScope.Reporting.Text;

/// <summary>
/// A text cell of a CSV export: hidden characters made visible (<see cref="VisibleText"/>: a file printed with
/// <c>cat</c> must not drive the terminal, and a newline stays inside its record), then spreadsheet formulas neutralised
/// — a cell that starts with <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c> is prefixed with <c>'</c> (OWASP's CSV-injection
/// rule), so <c>=HYPERLINK(…)</c> is shown as text by Excel or LibreOffice, never run — and RFC 4180 quoting when the cell
/// holds a comma or a quote. Numbers are not text cells and never pass through here.
/// </summary>
public static class CsvText
{
    /// <summary><paramref name="s"/> as one CSV field.</summary>
    public static string Of(string? s)
    {
        var v = VisibleText.Of(s);
        if (v.Length > 0 && v[0] is '=' or '+' or '-' or '@') v = "'" + v;
        return v.IndexOfAny([',', '"']) < 0 ? v : "\"" + v.Replace("\"", "\"\"") + "\"";
    }
}
