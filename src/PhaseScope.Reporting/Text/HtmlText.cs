using System.Net;

namespace PhaseScope.Reporting.Text;

/// <summary>
/// A name or message as HTML text or attribute value: hidden characters made visible (<see cref="VisibleText"/>: an
/// encoded bidirectional override still reorders the page's text, so it is shown as <c>\u202e</c>, not as
/// <c>&amp;#x202E;</c>), then <see cref="WebUtility.HtmlEncode(string)"/> (<c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>, quotes).
/// </summary>
public static class HtmlText
{
    /// <summary><paramref name="s"/> as HTML that shows exactly its visible text.</summary>
    public static string Of(string? s) => WebUtility.HtmlEncode(VisibleText.Of(s));

    /// <summary>As <see cref="Of"/>, keeping line breaks, for a <c>&lt;pre&gt;</c> block (a stack trace shown whole).</summary>
    public static string Block(string? s) => WebUtility.HtmlEncode(VisibleText.Of(s, keepLineBreaks: true));
}
