using System.Text.Json.Nodes;
using PhaseScope.Monitoring;

namespace PhaseScope.Reporting.Outputs.Html;

/// <summary>
/// Marks a run's events on every chart over steps: per event kind, dotted vertical lines at its events and a legend
/// entry whose markers sit at the top of the plot (both on a hidden second y axis from 0 to 1; clicking the entry
/// hides the kind's lines with its markers) and show the event's message on hover. The grok step is a solid vertical line labelled "grok". Colours are fixed
/// per kind for the whole page.
/// </summary>
public sealed class EventOverlay
{
    static readonly string[] Palette = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

    readonly IReadOnlyList<MonitorEvent> events;
    readonly long? grokStep;

    /// <summary>Creates the overlay of <paramref name="events"/> (the trainer's own <c>grokked</c> event is drawn as the grok
    /// line; the diagnosis's <c>phase_entered</c> events as the <paramref name="band"/>, when given).</summary>
    public EventOverlay(IReadOnlyList<MonitorEvent> events, long? grokStep, PhaseBand? band = null)
    {
        this.events = events.Where(e => e.Kind is not ("grokked" or "phase_entered")).ToList();
        this.grokStep = grokStep;
        this.band = band;
        kinds = this.events.Select(e => e.Kind).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    readonly List<string> kinds;
    readonly PhaseBand? band;

    /// <summary>Event kinds in legend order.</summary>
    public IReadOnlyList<string> Kinds => kinds;

    /// <summary>The colour of a kind.</summary>
    public string Color(string kind) => Palette[Math.Max(0, kinds.IndexOf(kind)) % Palette.Length];

    internal void AddTo(JsonArray data, JsonArray shapes, JsonArray annotations, JsonObject layout)
    {
        foreach (var kind in Kinds)
        {
            var ofKind = events.Where(e => e.Kind == kind).ToList();
            // The kind's dotted lines as one trace on the hidden 0–1 axis (x, x, gap per event): a tenth of the bytes of one shape per event.
            data.Add(new JsonObject
            {
                ["type"] = "scatter", ["mode"] = "lines", ["name"] = kind, ["legendgroup"] = kind, ["showlegend"] = false, ["yaxis"] = "y2", ["hoverinfo"] = "skip",
                ["x"] = new JsonArray(ofKind.SelectMany(e => new JsonNode?[] { e.Step, e.Step, null }).ToArray()),
                ["y"] = new JsonArray(ofKind.SelectMany(_ => new JsonNode?[] { 0, 1, null }).ToArray()),
                ["line"] = new JsonObject { ["color"] = Color(kind), ["width"] = 1, ["dash"] = "dot" }, ["opacity"] = 0.45,
            });
            data.Add(new JsonObject
            {
                ["type"] = "scatter", ["mode"] = "markers", ["name"] = kind, ["legendgroup"] = kind, ["yaxis"] = "y2",
                ["x"] = new JsonArray(ofKind.Select(e => (JsonNode)e.Step).ToArray()),
                ["y"] = new JsonArray(ofKind.Select(_ => (JsonNode)0.97).ToArray()),
                ["text"] = new JsonArray(ofKind.Select(e => (JsonNode)PlotlyFigure.Text($"{e.Kind} @ {e.Step}: {EventText.OneLine(e.Message)}")).ToArray()),
                ["hoverinfo"] = "text",
                ["marker"] = new JsonObject { ["symbol"] = "triangle-down", ["size"] = 9, ["color"] = Color(kind) },
            });
        }
        band?.AddTo(shapes);
        if (grokStep is long g)
        {
            shapes.Add(PlotlyFigure.VerticalLine(g, "#000", 2));
            var label = PlotlyFigure.TopLabel(g, $"grok @ {g}", 11);
            if (band is not null) label["y"] = 1.06;   // above the phase band
            annotations.Add(label);
        }
        if (Kinds.Count > 0)
            layout["yaxis2"] = new JsonObject { ["overlaying"] = "y", ["range"] = new JsonArray(0, 1), ["visible"] = false, ["fixedrange"] = true };
    }
}
