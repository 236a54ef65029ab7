using System.Text;

namespace PhaseScope.Reporting.Outputs.Text;

/// <summary>
/// A name or message as literal text in Markdown (a table cell or a line of VERDICT.md, ablation.md, the edge-tests
/// tables): hidden characters made visible (<see cref="VisibleText"/>), then the characters Markdown would read as
/// structure backslash-escaped — <c>\</c>, <c>|</c> (a table column), <c>`</c> (a code span), <c>*</c> and <c>_</c>
/// (emphasis; an underscore between letters or digits cannot open it and is kept), <c>[</c> and <c>]</c> (a link), <c>#</c> — and <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> written as entities, so
/// no HTML tag or entity of the name reaches a renderer (CommonMark §2.4 and §6.6; GitHub's tables split on an unescaped <c>|</c>).
/// </summary>
public static class MarkdownText
{
    /// <summary><paramref name="s"/> as Markdown that renders as exactly its visible text.</summary>
    public static string Of(string? s)
    {
        var visible = VisibleText.Of(s);
        var b = new StringBuilder(visible.Length + 8);
        for (int i = 0; i < visible.Length; i++)
        {
            char c = visible[i];
            switch (c)
            {
                // an underscore between letters or digits (gap_opened) cannot open emphasis (CommonMark §6.2): kept as it is
                case '_' when i > 0 && i + 1 < visible.Length && char.IsLetterOrDigit(visible[i - 1]) && char.IsLetterOrDigit(visible[i + 1]): b.Append(c); break;
                case '\\' or '|' or '`' or '*' or '_' or '[' or ']' or '#': b.Append('\\').Append(c); break;
                case '<': b.Append("&lt;"); break;
                case '>': b.Append("&gt;"); break;
                case '&': b.Append("&amp;"); break;
                default: b.Append(c); break;
            }
        }
        return b.ToString();
    }

    /// <summary><paramref name="s"/> as a Markdown code span: hidden characters made visible, fenced by one backtick more
    /// than the longest run of backticks inside, padded with a space when it starts or ends with one (CommonMark §6.1).</summary>
    public static string Code(string? s)
    {
        var visible = VisibleText.Of(s);
        int longest = 0, run = 0;
        foreach (char c in visible) { run = c == '`' ? run + 1 : 0; longest = Math.Max(longest, run); }
        var fence = new string('`', longest + 1);
        var pad = visible.StartsWith('`') || visible.EndsWith('`') ? " " : "";
        return fence + pad + visible + pad + fence;
    }
}
