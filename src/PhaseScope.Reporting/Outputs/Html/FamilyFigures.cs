using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Reporting.Outputs.Html;

/// <summary>
/// A family's charts drawn from its descriptors: one line per stored series a chart's metrics cover (a pattern such as
/// <c>spectral/sigma_*</c> gives one line per match, in numeric order), a standard error as the band ± itself around
/// its metric, and a metric's threshold as a dashed reference line. Nothing here names a family or a metric.
/// </summary>
public static class FamilyFigures
{
    /// <summary>The figure of <paramref name="chart"/> from <paramref name="run"/> (empty when the run has none of its series).</summary>
    public static PlotlyFigure Build(IMetricFamily family, ChartDescriptor chart, RunData run)
    {
        var names = run.MetricNames.ToList();
        var figure = new PlotlyFigure(chart.Title, yTitle: chart.YTitle) { LogY = chart.LogY };
        foreach (var metric in family.MetricsOf(chart))
        {
            if (metric.StandardErrorOf is { } of)
            {
                var centre = run.Series(of);
                var se = run.Series(metric.Name).ToDictionary(p => p.Step, p => p.Value);
                if (se.Count == 0) continue;
                string label = Describe(family, of)?.Title ?? of;
                figure.Line($"{label} + {metric.Title}", centre.Select(p => (p.Step, p.Value + se.GetValueOrDefault(p.Step))).ToList(), metric.Dash ?? "dot")
                      .Line($"{label} − {metric.Title}", centre.Select(p => (p.Step, p.Value - se.GetValueOrDefault(p.Step))).ToList(), metric.Dash ?? "dot");
                continue;
            }
            foreach (var series in metric.SeriesIn(names)) figure.Line(metric.LabelOf(series), run.Series(series), metric.Dash);
            if (metric.Threshold is double t && run.Has(metric.Name))
                figure.HorizontalLines.Add((t, $"{metric.Title} = {ReadableNumber.Format(t)}"));
        }
        return figure;
    }

    /// <summary>A legend under a section: what each of its charted lines means, for the metrics the run has.</summary>
    public static IReadOnlyList<(string Title, string Unit, string Legend)> Legend(IMetricFamily family, RunData run)
    {
        var names = run.MetricNames.ToList();
        return family.Charts.SelectMany(family.MetricsOf).Where(m => m.SeriesIn(names).Count > 0)
            .Select(m => (m.Title, m.Unit, m.Legend)).ToList();
    }

    static MetricDescriptor? Describe(IMetricFamily family, string metric) => family.Metrics.FirstOrDefault(m => m.Name == metric);
}
