using System.Globalization;
using Spectre.Console;

namespace PhaseScope.Cli;

/// <summary>The key/value summaries the commands print: as JSON (finite numbers only) or as a two-column table.</summary>
public static class SummaryTable
{
    /// <summary>JSON has no NaN or ∞: such figures are written as null.</summary>
    public static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>A titled two-column table of the entries (null "-", doubles in <paramref name="doubleFormat"/>, booleans yes/no); entries named in <paramref name="skip"/> are left out.</summary>
    public static Table Of(string title, IEnumerable<KeyValuePair<string, object?>> entries, string doubleFormat, params string[] skip)
    {
        var table = new Table().Title(title).AddColumns("", "").HideHeaders();
        foreach (var (k, v) in entries)
        {
            if (skip.Contains(k)) continue;
            table.AddRow(TerminalText.Markup(k), TerminalText.Markup(v switch
            {
                null => "-",
                double d => d.ToString(doubleFormat, CultureInfo.InvariantCulture),
                bool b => b ? "yes" : "no",
                System.Collections.IEnumerable list and not string => string.Join(", ", list.Cast<object>()) is { Length: > 0 } joined ? joined : "none",
                _ => v.ToString()!,
            }));
        }
        return table;
    }
}
