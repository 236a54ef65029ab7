using System.Text.Json.Nodes;
using PhaseScope.Diagnosis;

namespace PhaseScope.Reporting.Outputs.Html;

/// <summary>
/// The run diagnosis's phase timeline as a coloured band along the top edge of every chart over steps (one
/// rectangle per interval, in paper coordinates just above the plot area), with the colours the report's legend uses.
/// </summary>
public sealed class PhaseBand(IReadOnlyList<PhaseInterval> timeline)
{
    /// <summary>The intervals drawn.</summary>
    public IReadOnlyList<PhaseInterval> Timeline => timeline;

    /// <summary>The colour of a phase.</summary>
    public static string Color(RunPhase phase) => phase switch
    {
        RunPhase.Fitting => "#9ecae1",
        RunPhase.Plateau => "#fdae6b",
        RunPhase.Generalising => "#a1d99b",
        RunPhase.Generalised => "#31a354",
        RunPhase.Unstable => "#de2d26",
        RunPhase.Forgetting => "#756bb1",
        _ => "#d9d9d9",
    };

    internal void AddTo(JsonArray shapes)
    {
        foreach (var t in timeline)
            shapes.Add(new JsonObject
            {
                ["type"] = "rect", ["xref"] = "x", ["yref"] = "paper", ["layer"] = "below",
                ["x0"] = t.Start, ["x1"] = Math.Max(t.End ?? t.Start, t.Start) + (t.Phase == RunPhase.Unstable ? 10 : 0),
                ["y0"] = 1.0, ["y1"] = 1.035,
                ["fillcolor"] = Color(t.Phase), ["line"] = new JsonObject { ["width"] = 0 },
            });
    }

    /// <summary>HTML legend of the phases present.</summary>
    public string LegendHtml() => "<p class=\"intro\">Phase band (top of each chart): " + string.Join(" ",
        timeline.Select(t => t.Phase).Distinct().Select(p =>
            $"<span class=\"legend-item\"><span class=\"swatch\" style=\"background:{Color(p)}\"></span>{p.Name()}</span>")) + "</p>";
}
