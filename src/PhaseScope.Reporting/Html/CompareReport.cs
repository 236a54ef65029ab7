using PhaseScope.Monitoring.Probes;
using PhaseScope.Monitoring;
using System.Globalization;
using System.Text.Json;

namespace PhaseScope.Reporting.Html;

/// <summary>
/// <c>phasescope compare</c>: several runs on one page (e.g. weight decay 1.0 vs 0.0, or three seeds): the key
/// series of every run overlaid and aligned on step, each run's grok step as a labelled vertical line, and a
/// summary table (grokked, grok step, final accuracies, the first event of each kind).
/// </summary>
public static class CompareReport
{
    /// <summary>Series compared: (metric, chart title, y title, log axis).</summary>
    static readonly (string Metric, string Title, string YTitle, bool Log)[] KeySeries =
    [
        (EvaluationMetrics.TestAcc, "Test accuracy", "accuracy", false),
        (EvaluationMetrics.TrainAcc, "Train accuracy", "accuracy", false),
        (EvaluationMetrics.TestLoss, "Test loss", "loss", true),
        (ConsolidationMetrics.P, "p = C_α/(1 + C_α) (seed 003)", "p", false),
        (SpectralEdgeMetrics.GapRatio, "Gap ratio σ_k*/σ_k*+1 (seed 001)", "gap ratio", true),
        (SpectralEdgeMetrics.KStar, "Gap position k* (seed 001)", "k*", false),
        (CurvatureMetrics.LambdaMax, "λ_max(H)", "λ_max", true),
        (MomentsMetrics.D0, "d₀ (seed 000)", "d₀", false),
        (MomentsMetrics.MCap, "m∩ (seed 000)", "m∩", false),
    ];

    /// <summary>Builds the comparison page.</summary>
    public static ReportPage Build(IReadOnlyList<RunData> runs)
    {
        if (runs.Count == 0) throw new ArgumentException("Nothing to compare: give at least one run.", nameof(runs));
        var labels = Labels(runs);
        var page = new ReportPage($"PhaseScope comparison of {runs.Count} runs");
        page.Section("summary", "Summary");
        var kinds = runs.SelectMany(r => r.Events.Select(e => e.Kind)).Where(k => k != "grokked").Distinct().Order(StringComparer.Ordinal).ToList();
        var header = new List<string> { "run", "status", "grokked", "grok step", "final train acc", "final test acc" };
        header.AddRange(kinds.Select(k => $"first {k}"));
        page.Table(header, runs.Select((r, i) =>
        {
            var row = new List<string>
            {
                labels[i], r.Info.Status, r.GrokStep is null ? "no" : "yes", r.GrokStep?.ToString(CultureInfo.InvariantCulture) ?? "–",
                Last(r, EvaluationMetrics.TrainAcc), Last(r, EvaluationMetrics.TestAcc),
            };
            row.AddRange(kinds.Select(k => r.Events.FirstOrDefault(e => e.Kind == k)?.Step.ToString(CultureInfo.InvariantCulture) ?? "–"));
            return (IReadOnlyList<string>)row;
        }), "summary");

        page.Section("series", "Key series, aligned on step", "Each run's grok step is a dash-dotted line labelled with the run.");
        page.Raw("<div class=\"grid\">");
        foreach (var (metric, title, yTitle, log) in KeySeries)
        {
            if (!runs.Any(r => r.Has(metric)))
            {
                page.Missing($"{title}: none of the runs recorded {metric}.");
                continue;
            }
            var figure = new PlotlyFigure(title, yTitle: yTitle) { LogY = log };
            for (int i = 0; i < runs.Count; i++)
            {
                figure.Line(labels[i], runs[i].Series(metric));
                if (runs[i].GrokStep is long g) figure.VerticalLines.Add((g, $"{labels[i]} groks"));
            }
            if (metric == ConsolidationMetrics.P) figure.HorizontalLines.Add((0.5, "p = 0.5"));
            page.Figure(figure);
        }
        page.Raw("</div>");
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

    /// <summary>Run names, with the directory added where two runs share a name.</summary>
    static List<string> Labels(IReadOnlyList<RunData> runs)
    {
        var names = runs.Select(r => r.Info.Name).ToList();
        return names.Select((n, i) => names.Count(m => m == n) > 1 ? $"{n} ({runs[i].Info.Directory})" : n).ToList();
    }

    static string Last(RunData run, string metric) =>
        run.Series(metric) is { Count: > 0 } s ? s[^1].Value.ToString("0.000", CultureInfo.InvariantCulture) : "–";
}
