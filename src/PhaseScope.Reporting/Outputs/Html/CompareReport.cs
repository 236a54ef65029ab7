using PhaseScope.Monitoring.Descriptors;
using System.Globalization;

namespace PhaseScope.Reporting.Outputs.Html;

/// <summary>
/// <c>phasescope compare</c>: several runs on one page (e.g. weight decay 1.0 vs 0.0, or three seeds): every metric
/// that its family marks <see cref="MetricDescriptor.Compared"/> overlaid across runs and aligned on step, each run's
/// grok step as a labelled vertical line, and a summary table (grokked, grok step, each compared metric's per-run
/// aggregate, the first event of each kind). Both lists come from the families' descriptors.
/// </summary>
public static class CompareReport
{
    /// <summary>Builds the comparison page of <paramref name="runs"/> over <paramref name="families"/> (default: <see cref="MetricFamilies.BuiltIn"/>).</summary>
    public static ReportPage Build(IReadOnlyList<RunData> runs, IReadOnlyList<IMetricFamily>? families = null)
    {
        if (runs.Count == 0) throw new ArgumentException("Nothing to compare: give at least one run.", nameof(runs));
        families ??= MetricFamilies.BuiltIn;
        var labels = Labels(runs);
        var compared = families.SelectMany(f => f.Metrics.Where(m => m.Compared && !m.IsPattern).Select(m => (Family: f, Metric: m))).ToList();
        var page = new ReportPage($"PhaseScope comparison of {runs.Count} runs");
        page.Section("summary", "Summary");
        var kinds = runs.SelectMany(r => r.Events.Select(e => e.Kind)).Where(k => k != "grokked").Distinct().Order(StringComparer.Ordinal).ToList();
        var aggregated = compared.Where(c => c.Metric.Aggregate != MetricAggregate.None && runs.Any(r => r.Has(c.Metric.Name))).Select(c => c.Metric).ToList();
        var header = new List<string> { "run", "status", "grokked", "grok step" };
        header.AddRange(aggregated.Select(Heading));
        header.AddRange(kinds.Select(k => $"first {k}"));
        page.Table(header, runs.Select((r, i) =>
        {
            var row = new List<string> { labels[i], r.Info.Status, r.GrokStep is null ? "no" : "yes", r.GrokStep?.ToString(CultureInfo.InvariantCulture) ?? "–" };
            row.AddRange(aggregated.Select(m => Aggregate(r, m)));
            row.AddRange(kinds.Select(k => r.Events.FirstOrDefault(e => e.Kind == k)?.Step.ToString(CultureInfo.InvariantCulture) ?? "–"));
            return (IReadOnlyList<string>)row;
        }), "summary");

        page.Section("series", "Key series, aligned on step", "Each run's grok step is a dash-dotted line labelled with the run.");
        page.Raw("<div class=\"grid\">");
        var drawn = new List<MetricDescriptor>();
        foreach (var (family, metric) in compared)
        {
            string title = $"{Capitalised(metric.Title)} — {family.Title}";
            if (!runs.Any(r => r.Has(metric.Name)))
            {
                if (family.ShownWhenAbsent) page.Missing($"{title}: none of the runs recorded {metric.Name} ({family.EnabledBy}).");
                continue;
            }
            var chart = family.Charts.FirstOrDefault(c => c.Id == metric.Chart);
            var figure = new PlotlyFigure(title, yTitle: metric.Unit.Length > 0 ? $"{metric.Title} ({metric.Unit})" : metric.Title) { LogY = chart?.LogY ?? false };
            for (int i = 0; i < runs.Count; i++)
            {
                figure.Line(labels[i], runs[i].Series(metric.Name));
                if (runs[i].GrokStep is long g) figure.VerticalLines.Add((g, $"{labels[i]} groks"));
            }
            if (metric.Threshold is double t) figure.HorizontalLines.Add((t, $"{metric.Title} = {ReadableNumber.Format(t)}"));
            page.Figure(figure);
            drawn.Add(metric);
        }
        page.Raw("</div>");
        if (drawn.Count > 0)
        {
            string E(string x) => ReportPage.Encode(x);
            page.Raw("<details class=\"legend\"><summary>what the series mean</summary><dl>" +
                string.Join("", drawn.Select(m => $"<dt>{E(m.Title)} <code>{E(m.Name)}</code></dt><dd>{E(m.Legend)}</dd>")) + "</dl></details>");
        }
        return page;
    }

    /// <summary>Loads the runs and writes the page whole or not at all; returns the number of figures.</summary>
    public static int Write(IReadOnlyList<string> runDirectories, string outPath)
    {
        var runs = runDirectories.Select(RunData.Load).ToList();
        var page = Build(runs);
        page.Save(outPath, string.Join(" · ", runs.Select(r => r.Info.Directory)));
        return page.FigureCount;
    }

    /// <summary>The summary table's heading of an aggregated metric ("final test accuracy", "first p ≥ 0.5").</summary>
    static string Heading(MetricDescriptor m) => m.Aggregate switch
    {
        MetricAggregate.Last => $"final {m.Title}",
        MetricAggregate.Min => $"min {m.Title}",
        MetricAggregate.Max => $"max {m.Title}",
        MetricAggregate.FirstCrossing => $"first step {m.Title} ≥ {ReadableNumber.Format(m.Threshold ?? double.NaN)}",
        _ => m.Title,
    };

    /// <summary>One run's aggregate of <paramref name="m"/> (<see cref="MetricSummary"/>), "–" when the run lacks it or never crossed.</summary>
    static string Aggregate(RunData run, MetricDescriptor m) => MetricSummary.Of(m, run.Series(m.Name)) switch
    {
        null => "–",
        double step when m.Aggregate == MetricAggregate.FirstCrossing => ReadableNumber.Integer(step),
        double v => m.Integer ? ReadableNumber.Integer(v) : ReadableNumber.Format(v),
    };

    /// <summary>A title that starts with a word gets a capital ("test accuracy" → "Test accuracy"); one that starts with a symbol (p, k*, λ_max, d₀) keeps it.</summary>
    static string Capitalised(string s)
    {
        var first = s.Split(' ')[0];
        return first.Length >= 2 && first.All(char.IsAsciiLetterLower) ? char.ToUpperInvariant(s[0]) + s[1..] : s;
    }

    /// <summary>Run names, with the directory added where two runs share a name.</summary>
    static List<string> Labels(IReadOnlyList<RunData> runs)
    {
        var names = runs.Select(r => r.Info.Name).ToList();
        return names.Select((n, i) => names.Count(m => m == n) > 1 ? $"{n} ({runs[i].Info.Directory})" : n).ToList();
    }
}
