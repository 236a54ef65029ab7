using System.Globalization;
using System.Text;
using PhaseScope.Reporting.Outputs.Text;
using System.Text.Json.Nodes;

namespace PhaseScope.Reporting.Outputs.Html;

/// <summary>
/// A self-contained HTML page: sections, tables, one-line notes for missing data, and Plotly figures whose data
/// and the plotly.js library (its cartesian bundle, embedded in this assembly) are inlined, so the file opens offline, with no
/// server and no CDN.
/// </summary>
public sealed class ReportPage(string title)
{
    readonly StringBuilder body = new();
    readonly List<(string Id, string Title)> sections = [];
    readonly List<JsonObject> figures = [];

    /// <summary>Number of figures on the page.</summary>
    public int FigureCount => figures.Count;

    /// <summary>Opens a section (closed by the next one or by <see cref="Render"/>).</summary>
    public void Section(string id, string heading, string? intro = null)
    {
        if (sections.Count > 0) body.AppendLine("</section>");
        sections.Add((id, heading));
        body.AppendLine(CultureInfo.InvariantCulture, $"<section id=\"{Encode(id)}\" class=\"report-section\"><h2>{Encode(heading)}</h2>");
        if (intro is not null) body.AppendLine(CultureInfo.InvariantCulture, $"<p class=\"intro\">{Encode(intro)}</p>");
    }

    /// <summary>The one line a section shows instead of an empty chart.</summary>
    public void Missing(string text) => body.AppendLine(CultureInfo.InvariantCulture, $"<p class=\"missing\">{Encode(text)}</p>");

    /// <summary>A paragraph of text.</summary>
    public void Paragraph(string text) => body.AppendLine(CultureInfo.InvariantCulture, $"<p>{Encode(text)}</p>");

    /// <summary>Raw HTML (callers encode what they insert).</summary>
    public void Raw(string html) => body.AppendLine(html);

    /// <summary>A chart; an empty figure becomes a one-line note instead.</summary>
    public void Figure(PlotlyFigure figure, EventOverlay? events = null, string? whenEmpty = null)
    {
        if (figure.IsEmpty)
        {
            Missing(whenEmpty ?? $"{figure.Title}: no data recorded.");
            return;
        }
        body.AppendLine(CultureInfo.InvariantCulture, $"<div class=\"chart\" id=\"figure-{figures.Count}\" data-title=\"{Encode(figure.Title)}\"></div>");
        figures.Add(figure.ToJson(events));
    }

    /// <summary>A table with a header row; cells are text, or HTML the caller has encoded when <paramref name="htmlCells"/>.</summary>
    public void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string cssClass = "data", IReadOnlyList<string>? rowStyles = null, bool htmlCells = false)
    {
        body.Append(CultureInfo.InvariantCulture, $"<table class=\"{Encode(cssClass)}\"><thead><tr>");
        foreach (var h in header) body.Append(CultureInfo.InvariantCulture, $"<th>{Encode(h)}</th>");
        body.AppendLine("</tr></thead><tbody>");
        int i = 0;
        foreach (var row in rows)
        {
            var style = rowStyles is not null && i < rowStyles.Count ? $" style=\"{Encode(rowStyles[i])}\"" : "";
            body.Append(CultureInfo.InvariantCulture, $"<tr{style}>");
            foreach (var c in row) body.Append(CultureInfo.InvariantCulture, $"<td>{(htmlCells ? c : Encode(c))}</td>");
            body.AppendLine("</tr>");
            i++;
        }
        body.AppendLine("</tbody></table>");
    }

    /// <summary>The whole page.</summary>
    public string Render(string subtitle)
    {
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html>");
        sb.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<meta name=\"generator\" content=\"PhaseScope\"><title>{Encode(title)}</title>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<style>{Css}</style>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<script>{PlotlyScript.Value}</script>");
        sb.AppendLine("</head><body>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<header><h1>{Encode(title)}</h1><p class=\"subtitle\">{Encode(subtitle)}</p><nav>");
        sb.AppendLine(string.Join(" · ", sections.Select(s => $"<a href=\"#{Encode(s.Id)}\">{Encode(s.Title)}</a>")));
        sb.AppendLine("</nav></header><main>");
        sb.Append(body);
        if (sections.Count > 0) sb.AppendLine("</section>");
        sb.AppendLine("</main>");
        // Figure data: JSON whose encoder keeps σ, ² … as they are but escapes '<', '>' and '&', so no "</script>" can appear inside.
        var (data, steps) = SharedSteps(figures);
        sb.Append("<script>const PHASESCOPE_STEPS = ");
        sb.Append(steps.ToJsonString(FigureJson));
        sb.AppendLine(";");
        sb.Append("const PHASESCOPE_FIGURES = ");
        sb.Append(data.ToJsonString(FigureJson));
        sb.AppendLine(";");
        sb.AppendLine("""
            // The toolbar shows on hover only, with the buttons a reader of a step chart uses (its row sits above every title).
            const PHASESCOPE_CONFIG = {responsive: true, displaylogo: false, displayModeBar: 'hover',
              modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d', 'toggleSpikelines', 'hoverClosestCartesian', 'hoverCompareCartesian']};
            PHASESCOPE_FIGURES.forEach(function (f, i) {
              f.data.forEach(function (t) { if (typeof t.x === 'number') t.x = PHASESCOPE_STEPS[t.x]; });
              Plotly.newPlot(document.getElementById('figure-' + i), f.data, f.layout, PHASESCOPE_CONFIG);
            });
            """);
        sb.AppendLine("</script></body></html>");
        return sb.ToString();
    }

    /// <summary>Lines over the same steps (the evaluation's series, σ_1 … σ_W of one window, every per-step norm) would each
    /// carry a copy of their x values: each distinct x array of at least <see cref="SharedStepsMinLength"/> values is written
    /// once and a trace refers to it by index, which the page's script puts back before plotting.</summary>
    static (JsonArray Figures, JsonArray Steps) SharedSteps(IReadOnlyList<JsonObject> figures)
    {
        var copies = new JsonArray(figures.Select(f => (JsonNode)f.DeepClone()).ToArray());
        var steps = new JsonArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var figure in copies)
            foreach (var trace in figure!["data"]!.AsArray())
            {
                if (trace?["x"] is not JsonArray { Count: >= SharedStepsMinLength } x) continue;
                var key = x.ToJsonString();
                if (!index.TryGetValue(key, out int i))
                {
                    index[key] = i = steps.Count;
                    steps.Add(x.DeepClone());
                }
                trace["x"] = i;
            }
        return (copies, steps);
    }

    /// <summary>Shortest x array written once and shared by reference.</summary>
    const int SharedStepsMinLength = 20;

    /// <summary>Renders the page and writes it to <paramref name="path"/> whole or not at all (never a half-written file).</summary>
    public void Save(string path, string subtitle)
    {
        var html = Render(subtitle);
        PhaseScope.IO.AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true);
            w.Write(html);
        });
    }

    /// <summary>Text as HTML (<see cref="HtmlText.Of"/>: hidden characters made visible, the five markup characters replaced, σ, × and ² kept).</summary>
    internal static string Encode(string s) => HtmlText.Of(s);

    static readonly System.Text.Json.JsonSerializerOptions FigureJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };

    /// <summary>The plotly.js cartesian bundle embedded in this assembly (Outputs/Html/Plotly/README.md), read once.</summary>
    static readonly Lazy<string> PlotlyScript = new(() =>
    {
        using var stream = typeof(ReportPage).Assembly.GetManifestResourceStream("plotly-cartesian.min.js")
            ?? throw new InvalidOperationException("This build of PhaseScope.Reporting lacks its embedded plotly.js; the report cannot be made self-contained.");
        using var reader = new StreamReader(stream);
        // A literal "</script" inside the library would end the inline script early.
        return reader.ReadToEnd().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
    });

    const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
        header { background: #1d2a44; color: #fff; padding: 14px 28px; }
        header h1 { margin: 0 0 4px; font-size: 22px; }
        header .subtitle { margin: 0 0 8px; color: #c9d3e6; }
        header nav a { color: #9fc3ff; text-decoration: none; font-size: 14px; }
        main { padding: 8px 28px 40px; max-width: 1400px; }
        section { background: #fff; border-radius: 6px; padding: 6px 18px 14px; margin: 16px 0; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
        h2 { font-size: 18px; border-bottom: 1px solid #e3e6ec; padding-bottom: 6px; }
        .intro { color: #4a5366; font-size: 14px; }
        .missing { color: #8a6d00; background: #fff8e1; padding: 6px 10px; border-radius: 4px; font-size: 14px; }
        .chart { min-height: 330px; margin: 6px 0 14px; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px; }
        table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
        th, td { border: 1px solid #e3e6ec; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #eef1f6; }
        table.events td:nth-child(4) { max-width: 720px; }
        .verdict { border-left: 5px solid #1d2a44; background: #f0f4fb; padding: 8px 14px; margin: 10px 0; font-size: 15px; line-height: 1.45; }
        .verdict.unstable { border-left-color: #de2d26; }
        .verdict.generalised { border-left-color: #31a354; }
        .verdict ul { margin: 4px 0; padding-left: 20px; }
        details summary { cursor: pointer; color: #2a4d8f; }
        details pre { white-space: pre-wrap; font-size: 12px; max-height: 300px; overflow: auto; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
        """;
}
