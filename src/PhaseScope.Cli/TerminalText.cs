using PhaseScope.Reporting.Outputs.Text;

namespace PhaseScope.Cli;

/// <summary>
/// A name or message on the terminal: hidden characters (controls, ANSI escapes, bidirectional overrides) shown as
/// visible escapes (<see cref="VisibleText"/>: <c>\x1b</c>, <c>\n</c>, <c>\u202e</c>), so a tensor, run or file name
/// can neither drive the terminal nor forge a line; <see cref="Markup"/> also escapes Spectre.Console's <c>[</c>…<c>]</c>
/// markup for tables, panels and <c>MarkupLine</c>.
/// </summary>
public static class TerminalText
{
    /// <summary><paramref name="s"/> as literal text inside Spectre markup.</summary>
    public static string Markup(string? s) => Spectre.Console.Markup.Escape(VisibleText.Of(s));

    /// <summary><paramref name="s"/> for a plain <c>Console.WriteLine</c>.</summary>
    public static string Plain(string? s) => VisibleText.Of(s);
}
