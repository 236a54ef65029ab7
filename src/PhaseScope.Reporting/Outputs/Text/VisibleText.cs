using System.Globalization;
using System.Text;

namespace PhaseScope.Reporting.Outputs.Text;

/// <summary>
/// Text as a reader should see it, whatever a name or message holds: C0 and C1 control characters and DEL (an ANSI escape
/// <c>ESC [ 3 1 m</c> recolours or clears a terminal, a newline forges a line) and the bidirectional embeddings, overrides
/// and isolates U+202A–U+202E, U+2066–U+2069 with the marks U+200E, U+200F, U+061C (they reorder what follows, so
/// <c>exe.\u202Etxt</c> reads as <c>exe.txt</c> reversed) are shown as escapes: <c>\n</c>, <c>\r</c>, <c>\t</c>,
/// <c>\xHH</c> below U+0100, <c>\uHHHH</c> above. Everything else is kept. The base of every medium's escaping
/// (<see cref="MarkdownText"/>, <see cref="HtmlText"/>, <see cref="CsvText"/> and the terminal's).
/// </summary>
public static class VisibleText
{
    /// <summary>Whether <paramref name="c"/> is shown as an escape.</summary>
    public static bool IsHidden(char c) =>
        char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';

    /// <summary><paramref name="s"/> with every hidden character as a visible escape; with <paramref name="keepLineBreaks"/>
    /// a <c>\n</c> stays a line break (text shown as a block, e.g. a stack trace).</summary>
    public static string Of(string? s, bool keepLineBreaks = false)
    {
        if (string.IsNullOrEmpty(s)) return s ?? "";
        if (!s.Any(IsHidden)) return s;
        var b = new StringBuilder(s.Length + 16);
        foreach (char c in s)
        {
            if (!IsHidden(c) || (keepLineBreaks && c == '\n')) b.Append(c);
            else b.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < '\u0100' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }
        return b.ToString();
    }
}
