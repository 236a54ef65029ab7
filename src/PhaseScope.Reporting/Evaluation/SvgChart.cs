using System.Globalization;
using System.Net;
using System.Text;

namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// A small self-contained SVG chart (lines and point strips, linear or log-10 y axis) for the Markdown verdict report,
/// which must render on any Markdown viewer without scripts; the interactive Plotly figures stay in the HTML reports.
/// </summary>
public sealed class SvgChart(string title, string xLabel, string yLabel, bool logY = false)
{
    const int Width = 720, Height = 360, Left = 110, Right = 20, Top = 30, Bottom = 50;
    static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

    readonly List<(string Label, IReadOnlyList<(double X, double Y)> Points, string Color, bool Line, bool Legend)> series = [];
    readonly List<double> verticals = [];
    IReadOnlyList<string>? categories;

    /// <summary>Makes the y axis a list of named rows (y = 0, 1, … is the row's index).</summary>
    public SvgChart Categories(IReadOnlyList<string> names)
    {
        categories = names;
        return this;
    }

    /// <summary>Adds a polyline (points with a non-finite or, on a log axis, non-positive y are skipped); with
    /// <paramref name="legend"/> false its label shows only as a tooltip (many lines of one group share a legend entry).</summary>
    public SvgChart Line(string label, IEnumerable<(double X, double Y)> points, string? color = null, bool legend = true)
    {
        series.Add((label, Usable(points), color ?? Palette[series.Count % Palette.Length], true, legend));
        return this;
    }

    /// <summary>Adds unconnected points.</summary>
    public SvgChart Points(string label, IEnumerable<(double X, double Y)> points, string? color = null, bool legend = true)
    {
        series.Add((label, Usable(points), color ?? Palette[series.Count % Palette.Length], false, legend));
        return this;
    }

    /// <summary>Adds a dashed vertical marker at x.</summary>
    public SvgChart Vertical(double x)
    {
        verticals.Add(x);
        return this;
    }

    List<(double, double)> Usable(IEnumerable<(double X, double Y)> points) =>
        points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!logY || p.Y > 0)).Select(p => (p.X, logY ? Math.Log10(p.Y) : p.Y)).ToList();

    /// <summary>The SVG document.</summary>
    public string Render()
    {
        var all = series.SelectMany(s => s.Points).ToList();
        double x0 = all.Count > 0 ? all.Min(p => p.X) : 0, x1 = all.Count > 0 ? all.Max(p => p.X) : 1;
        foreach (var v in verticals) { x0 = Math.Min(x0, v); x1 = Math.Max(x1, v); }
        double y0 = all.Count > 0 ? all.Min(p => p.Y) : 0, y1 = all.Count > 0 ? all.Max(p => p.Y) : 1;
        if (x1 <= x0) { x0 -= 1; x1 += 1; }
        if (y1 <= y0) { y0 -= 1; y1 += 1; }
        double pad = (y1 - y0) * 0.05;
        y0 -= pad; y1 += pad;
        if (categories is not null) (y0, y1) = (-0.5, Math.Max(categories.Count, 1) - 0.5);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        string X(double x) => F(Left + (x - x0) / (x1 - x0) * plotW);
        string Y(double y) => F(Top + (1 - (y - y0) / (y1 - y0)) * plotH);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">{Esc(title)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{F(plotW)}\" height=\"{F(plotH)}\" fill=\"none\" stroke=\"#444\"/>\n");
        for (int i = 0; i <= 4; i++)
        {
            double xv = x0 + (x1 - x0) * i / 4, yv = y0 + (y1 - y0) * i / 4;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(xv)}\" y=\"{Height - Bottom + 15}\" text-anchor=\"middle\">{Esc(Tick(xv, false))}</text>\n");
            if (categories is not null) continue;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 5}\" y=\"{Y(yv)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{Esc(Tick(yv, logY))}</text>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(yv)}\" y2=\"{Y(yv)}\" stroke=\"#eee\"/>\n");
        }
        for (int i = 0; i < (categories?.Count ?? 0); i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 5}\" y=\"{Y(i)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{Esc(categories![i])}</text>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(i)}\" y2=\"{Y(i)}\" stroke=\"#eee\"/>\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotW / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">{Esc(xLabel)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(14 {Top + plotH / 2}) rotate(-90)\" text-anchor=\"middle\">{Esc(yLabel + (logY ? " (log scale)" : ""))}</text>\n");
        foreach (var v in verticals)
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(v)}\" x2=\"{X(v)}\" y1=\"{Top}\" y2=\"{Top + plotH}\" stroke=\"#000\" stroke-dasharray=\"4 3\"/>\n");
        int legendRow = 0;
        for (int s = 0; s < series.Count; s++)
        {
            var (label, points, color, line, legend) = series[s];
            if (line && points.Count > 1)
                sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.3\" points=\"{string.Join(' ', points.Select(p => X(p.X) + "," + Y(p.Y)))}\"><title>{Esc(label)}</title></polyline>\n");
            else
                foreach (var p in points) sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(p.X)}\" cy=\"{Y(p.Y)}\" r=\"3\" fill=\"{color}\"><title>{Esc(label)}</title></circle>\n");
            if (legend) sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right - 5}\" y=\"{Top + 14 + 13 * legendRow++}\" text-anchor=\"end\" fill=\"{color}\">{Esc(label)}</text>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    static string Tick(double v, bool log) => log ? "1e" + v.ToString("0.#", CultureInfo.InvariantCulture) : v.ToString("G4", CultureInfo.InvariantCulture);
    static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    static string Esc(string s) => WebUtility.HtmlEncode(s);
}
