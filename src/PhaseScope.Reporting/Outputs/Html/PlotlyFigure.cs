using System.Globalization;
using PhaseScope.Reporting.Outputs.Text;
using System.Text.Json.Nodes;

namespace PhaseScope.Reporting.Outputs.Html;

/// <summary>
/// One chart of a report as plotly.js figure JSON (<c>{data, layout}</c>): lines, markers and heatmaps, the report's
/// layout (title under the toolbar, legend below the axis title, log scale, powers of ten on the axes, the event
/// overlay and the grok line), drawn in the browser by the plotly.js that <see cref="ReportPage"/> inlines once per page.
/// Values are written to <see cref="SignificantDigits"/> significant digits: more than a chart can show, and a
/// third of the bytes of a round-trip double.
/// </summary>
public sealed class PlotlyFigure(string title, string xTitle = "step", string yTitle = "")
{
    /// <summary>Most points drawn per line; longer series are thinned to every k-th point (plus the last).</summary>
    public const int MaxPointsPerLine = 2000;

    /// <summary>Significant digits of every value in the figure data.</summary>
    public const int SignificantDigits = 7;

    /// <summary>Pixels from the figure's top edge to its title's top: the toolbar (modebar) sits above, so the two never overlap.</summary>
    public const int TitleTop = 30;

    readonly List<JsonObject> traces = [];

    /// <summary>The figure's title.</summary>
    public string Title { get; } = title;

    /// <summary>A logarithmic y axis.</summary>
    public bool LogY { get; init; }

    /// <summary>A logarithmic x axis.</summary>
    public bool LogX { get; init; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; init; } = 380;

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
        var trace = new JsonObject
        {
            ["type"] = "scatter", ["mode"] = kept.Count < 60 ? "lines+markers" : "lines", ["name"] = Text(name),
            ["x"] = new JsonArray(kept.Select(p => (JsonNode)p.Step).ToArray()),
            ["y"] = Values(kept.Select(p => p.Value)),
            ["hovertemplate"] = $"{Escape(name)}<br>step %{{x}}<br>%{{y:.3~g}}<extra></extra>",
        };
        if (dash is not null) trace["line"] = new JsonObject { ["dash"] = dash };
        traces.Add(trace);
        return this;
    }

    /// <summary>Adds markers at (x, y) with hover texts.</summary>
    public PlotlyFigure Markers(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<string>? text = null, double size = 4)
    {
        if (x.Count == 0) return this;
        var trace = new JsonObject
        {
            ["type"] = "scatter", ["mode"] = "markers", ["name"] = Text(name), ["x"] = Values(x), ["y"] = Values(y),
            ["marker"] = new JsonObject { ["size"] = size, ["opacity"] = 0.6 },
        };
        if (text is not null) trace["text"] = new JsonArray(text.Select(t => (JsonNode)t).ToArray());
        traces.Add(trace);
        return this;
    }

    /// <summary>Adds a heatmap z[row][column] over x (columns) and y (rows); NaN cells are gaps.</summary>
    public PlotlyFigure Heatmap(string name, double[][] z, double[] x, double[] y, string colorTitle, bool logColor = false)
    {
        if (z.Length == 0) return this;
        var shown = logColor ? z.Select(r => r.Select(v => v > 0 ? Math.Log10(v) : double.NaN).ToArray()).ToArray() : z;
        traces.Add(new JsonObject
        {
            ["type"] = "heatmap", ["name"] = Text(name),
            ["z"] = new JsonArray(shown.Select(r => (JsonNode)Values(r)).ToArray()), ["x"] = Values(x), ["y"] = Values(y),
            ["colorscale"] = "Viridis",
            ["colorbar"] = new JsonObject { ["title"] = new JsonObject { ["text"] = colorTitle } },
            ["hovertemplate"] = $"x %{{x:.3~g}}<br>y %{{y:.3~g}}<br>{Escape(colorTitle)} %{{z:.3~g}}<extra></extra>",
        });
        return this;
    }

    /// <summary>The figure as plotly.js JSON (<c>{data, layout}</c>), with the events overlaid when given.</summary>
    public JsonObject ToJson(EventOverlay? events = null)
    {
        var data = new JsonArray(traces.Select(t => (JsonNode)t.DeepClone()).ToArray());
        bool legend = traces.Count > 1 || (events?.Kinds.Count ?? 0) > 0;
        var layout = new JsonObject
        {
            // The title's top edge in pixels from the figure's top (container coordinates), below the toolbar's row.
            ["title"] = new JsonObject
            {
                ["text"] = Text(Title), ["x"] = 0.01, ["xanchor"] = "left", ["xref"] = "container",
                ["y"] = 1 - (double)TitleTop / Height, ["yanchor"] = "top", ["yref"] = "container", ["font"] = new JsonObject { ["size"] = 15 },
            },
            ["height"] = Height,
            // Top: toolbar row, title, and the phase band and grok label just above the plot.
            ["margin"] = new JsonObject { ["l"] = 64, ["r"] = 24, ["t"] = TitleTop + 56, ["b"] = 40 },
            ["xaxis"] = Axis(xTitle, LogX),
            ["yaxis"] = Axis(yTitle, LogY),
            ["showlegend"] = legend,
            // Below the x axis's title, in the bottom margin that automargin grows for it.
            ["legend"] = new JsonObject { ["orientation"] = "h", ["x"] = 0, ["xanchor"] = "left", ["y"] = 0, ["yref"] = "container", ["yanchor"] = "bottom", ["font"] = new JsonObject { ["size"] = 11 } },
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
            annotations.Add(new JsonObject { ["xref"] = "paper", ["x"] = 1, ["xanchor"] = "right", ["y"] = y, ["yref"] = "y", ["yanchor"] = "bottom", ["text"] = Text(label), ["showarrow"] = false, ["font"] = new JsonObject { ["size"] = 10 } });
        }
        foreach (var (x, label) in VerticalLines)
        {
            shapes.Add(VerticalLine(x, "#333", 1, "dashdot"));
            annotations.Add(TopLabel(x, label, 10));
        }
        events?.AddTo(data, shapes, annotations, layout);
        if (shapes.Count > 0) layout["shapes"] = shapes;
        if (annotations.Count > 0) layout["annotations"] = annotations;
        return new JsonObject { ["data"] = data, ["layout"] = layout };
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
        new() { ["xref"] = "x", ["x"] = x, ["yref"] = "paper", ["y"] = 1.02, ["yanchor"] = "bottom", ["text"] = Text(text), ["showarrow"] = false, ["font"] = new JsonObject { ["size"] = size } };

    /// <summary>A value rounded to <see cref="SignificantDigits"/> digits, or null (a gap) when not finite.</summary>
    internal static JsonNode? Value(double v) =>
        double.IsFinite(v) ? JsonValue.Create(double.Parse(v.ToString("G" + SignificantDigits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)) : null;

    static JsonArray Values(IEnumerable<double> values) => new(values.Select(Value).ToArray());

    static JsonObject Axis(string title, bool log)
    {
        var a = new JsonObject { ["title"] = new JsonObject { ["text"] = Text(title) }, ["automargin"] = true, ["exponentformat"] = "power" };
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

    /// <summary>Plotly reads titles and labels as HTML: a name is shown as text (<see cref="HtmlText.Label"/>).</summary>
    internal static string Text(string s) => HtmlText.Label(s);

    /// <summary>A hover template reads HTML and %{…}: a name inside one is shown as text.</summary>
    static string Escape(string s) => Text(s).Replace("%", "%%", StringComparison.Ordinal);
}
