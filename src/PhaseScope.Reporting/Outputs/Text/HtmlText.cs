namespace PhaseScope.Reporting.Outputs.Text;

/// <summary>
/// A name or message as HTML: hidden characters made visible first (<see cref="VisibleText"/>: an encoded bidirectional
/// override still reorders the page's text, so it is shown as <c>\u202e</c>, not as <c>&amp;#x202E;</c>), then only the
/// characters that make markup replaced by entities; every other character (σ, ×, ², 10⁵) stays as it is, since the page
/// is UTF-8.
/// </summary>
public static class HtmlText
{
    /// <summary><paramref name="s"/> as HTML text or a quoted attribute value: <c>&amp; &lt; &gt; " '</c> replaced.</summary>
    public static string Of(string? s) => Attribute(VisibleText.Of(s));

    /// <summary>As <see cref="Of"/>, keeping line breaks, for a <c>&lt;pre&gt;</c> block (a stack trace shown whole).</summary>
    public static string Block(string? s) => Attribute(VisibleText.Of(s, keepLineBreaks: true));

    /// <summary>A plotly title, label or hover text (plotly reads them as a small HTML subset in which quotes are plain
    /// text): <c>&amp; &lt; &gt;</c> replaced.</summary>
    public static string Label(string? s) => Markup(VisibleText.Of(s));

    static string Markup(string s) =>
        s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    static string Attribute(string s) =>
        Markup(s).Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);
}
