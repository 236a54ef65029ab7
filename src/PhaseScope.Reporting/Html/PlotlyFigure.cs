using System.Text.Json.Nodes;
using Plotly.NET;
using PlotlyChart = Plotly.NET.CSharp.Chart;

namespace PhaseScope.Reporting.Html;

/// <summary>
/// One chart of a report: traces made by Plotly.NET (lines, markers, heatmaps), its figure JSON then given the
/// report's layout (title, axes, log scale, the event overlay and the grok line) and drawn in the browser by
/// the plotly.js that Plotly.NET ships, inlined once per page (<see cref="ReportPage"/>).
/// </summary>
public sealed class PlotlyFigure(string title, string xTitle = "step", string yTitle = "")
{
    /// <summary>Most points drawn per line; longer series are thinned to every k-th point (plus the last).</summary>
    public const int MaxPointsPerLine = 2000;

    readonly List<GenericChart> traces = [];
    readonly List<Action<JsonObject>> tracePatches = [];

    /// <summary>The figure's title.</summary>
    public string Title { get; } = title;

    /// <summary>A logarithmic y axis.</summary>
    public bool LogY { get; init; }

    /// <summary>A logarithmic x axis.</summary>
    public bool LogX { get; init; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; init; } = 330;

    /// <summary>Horizontal reference lines (y value, label), e.g. p = 0.5.</summary>
    public List<(double Y, string Label)> HorizontalLines { get; } = [];

    /// <summary>Vertical reference lines (x value, label), e.g. each run's grok step in a comparison.</summary>
    public List<(double X, string Label)> VerticalLines { get; } = [];

    /// <summary>True when no trace holds a point.</summary>
    public bool IsEmpty => traces.Count == 0;

    /// <summary>Adds a line of (step, value); non-finite values are left out (and so are non-positive ones on a log axis).</summary>
    public PlotlyFigure Line(string name, IReadOnlyList<(long Step, double Value)> points, string? dash = null)
    {
        var kept = points.Where(p => double.IsFinite(p.Value) && (!LogY || p.Value > 0)).ToList();
        if (kept.Count == 0) return this;
        kept = Thin(kept);
        traces.Add(PlotlyChart.Line<long, double, string>(kept.Select(p => p.Step), kept.Select(p => p.Value), Name: name, ShowMarkers: kept.Count < 60));
        tracePatches.Add(t =>
        {
            t["hovertemplate"] = $"{Escape(name)}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>";
            if (dash is not null) t["line"] = new JsonObject { ["dash"] = dash };
        });
        return this;
    }

    /// <summary>Adds markers at (x, y) with hover texts.</summary>
    public PlotlyFigure Markers(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<string>? text = null, double size = 4)
    {
        if (x.Count == 0) return this;
        traces.Add(text is null
            ? PlotlyChart.Point<double, double, string>(x, y, Name: name)
            : PlotlyChart.Point<double, double, string>(x, y, Name: name, MultiText: text.ToArray()));
        tracePatches.Add(t => t["marker"] = new JsonObject { ["size"] = size, ["opacity"] = 0.6 });
        return this;
    }

    /// <summary>Adds a heatmap z[row][column] over x (columns) and y (rows); NaN cells are gaps.</summary>
    public PlotlyFigure Heatmap(string name, double[][] z, double[] x, double[] y, string colorTitle, bool logColor = false)
    {
        if (z.Length == 0) return this;
        var shown = logColor ? z.Select(r => r.Select(v => v > 0 ? Math.Log10(v) : double.NaN).ToArray()).ToArray() : z;
        traces.Add(PlotlyChart.Heatmap<double, double, double, string>(shown, X: x, Y: y, Name: name));
        tracePatches.Add(t =>
        {
            t["colorbar"] = new JsonObject { ["title"] = new JsonObject { ["text"] = colorTitle } };
            t["colorscale"] = "Viridis";
            t["hovertemplate"] = $"x %{{x}}<br>y %{{y}}<br>{Escape(colorTitle)} %{{z:.4g}}<extra></extra>";
        });
        return this;
    }

    /// <summary>The figure as plotly.js JSON (<c>{data, layout}</c>), with the events overlaid when given.</summary>
    public JsonObject ToJson(EventOverlay? events = null)
    {
        var figure = JsonNode.Parse(GenericChart.toJson(PlotlyChart.Combine(traces)))!.AsObject();
        var data = figure["data"]!.AsArray();
        for (int i = 0; i < data.Count && i < tracePatches.Count; i++) tracePatches[i](data[i]!.AsObject());
        var layout = new JsonObject
        {
            ["title"] = new JsonObject { ["text"] = Title, ["x"] = 0.02, ["font"] = new JsonObject { ["size"] = 15 } },
            ["height"] = Height,
            ["margin"] = new JsonObject { ["l"] = 60, ["r"] = 20, ["t"] = 40, ["b"] = 45 },
            ["xaxis"] = Axis(xTitle, LogX),
            ["yaxis"] = Axis(yTitle, LogY),
            ["legend"] = new JsonObject { ["orientation"] = "h", ["y"] = -0.22 },
            ["hovermode"] = "closest",
        };
        var shapes = new JsonArray();
        var annotations = new JsonArray();
        foreach (var (y, label) in HorizontalLines)
        {
            shapes.Add(new JsonObject
            {
                ["type"] = "line", ["xref"] = "paper", ["x0"] = 0, ["x1"] = 1, ["yref"] = "y", ["y0"] = y, ["y1"] = y,
                ["line"] = new JsonObject { ["color"] = "#555", ["width"] = 1, ["dash"] = "dash" },
            });
            annotations.Add(new JsonObject { ["xref"] = "paper", ["x"] = 1, ["xanchor"] = "right", ["y"] = y, ["yref"] = "y", ["text"] = label, ["showarrow"] = false, ["font"] = new JsonObject { ["size"] = 10 } });
        }
        foreach (var (x, label) in VerticalLines)
        {
            shapes.Add(VerticalLine(x, "#333", 1, "dashdot"));
            annotations.Add(TopLabel(x, label, 10));
        }
        events?.AddTo(data, shapes, annotations, layout);
        layout["shapes"] = shapes;
        layout["annotations"] = annotations;
        figure["layout"] = layout;
        figure.Remove("config");
        return figure;
    }

    /// <summary>A full-height vertical line at step <paramref name="x"/> (plotly.js shape).</summary>
    internal static JsonObject VerticalLine(double x, string color, double width, string? dash = null, double? opacity = null)
    {
        var line = new JsonObject { ["color"] = color, ["width"] = width };
        if (dash is not null) line["dash"] = dash;
        var shape = new JsonObject { ["type"] = "line", ["xref"] = "x", ["x0"] = x, ["x1"] = x, ["yref"] = "paper", ["y0"] = 0, ["y1"] = 1, ["line"] = line };
        if (opacity is double o) shape["opacity"] = o;
        return shape;
    }

    /// <summary>A label just above the plot at step <paramref name="x"/>.</summary>
    internal static JsonObject TopLabel(double x, string text, int size) =>
        new() { ["xref"] = "x", ["x"] = x, ["yref"] = "paper", ["y"] = 1.02, ["text"] = text, ["showarrow"] = false, ["font"] = new JsonObject { ["size"] = size } };

    static JsonObject Axis(string title, bool log)
    {
        var a = new JsonObject { ["title"] = new JsonObject { ["text"] = title }, ["automargin"] = true };
        if (log) a["type"] = "log";
        return a;
    }

    static List<(long, double)> Thin(List<(long Step, double Value)> points)
    {
        if (points.Count <= MaxPointsPerLine) return points;
        int every = (points.Count + MaxPointsPerLine - 1) / MaxPointsPerLine;
        var thinned = points.Where((_, i) => i % every == 0).ToList();
        if (thinned[^1] != points[^1]) thinned.Add(points[^1]);
        return thinned;
    }

    /// <summary>Plotly's hover templates read HTML and %{…}; names are shown as text.</summary>
    static string Escape(string s) => Text.HtmlText.Of(s).Replace("%", "%%", StringComparison.Ordinal);
}
