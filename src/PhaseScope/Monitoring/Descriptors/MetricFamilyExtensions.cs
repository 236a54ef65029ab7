namespace PhaseScope.Monitoring.Descriptors;

/// <summary>What a reader asks of a family about one run: is it there, which series draw a chart.</summary>
public static class MetricFamilyExtensions
{
    /// <summary>Whether the run whose stored series are <paramref name="names"/> has any of the family's metrics.</summary>
    public static bool IsAvailable(this IMetricFamily family, IReadOnlyCollection<string> names) =>
        family.Metrics.Any(m => m.SeriesIn(names).Count > 0);

    /// <summary>The sentence a report shows for a family the run lacks: what is missing and which option turns it on.</summary>
    public static string MissingText(this IMetricFamily family) => $"No {family.Noun} in this run: {family.EnabledBy}.";

    /// <summary>The verdict's group for the family's indicators: its <see cref="IMetricFamily.VerdictGroup"/>, else its title.</summary>
    public static string VerdictGroupOrTitle(this IMetricFamily family) => family.VerdictGroup ?? family.Title;

    /// <summary>The metrics drawn in <paramref name="chart"/>, in line order.</summary>
    public static IReadOnlyList<MetricDescriptor> MetricsOf(this IMetricFamily family, ChartDescriptor chart) =>
        family.Metrics.Where(m => m.Chart == chart.Id).Select((m, i) => (m, i)).OrderBy(x => x.m.Order).ThenBy(x => x.i).Select(x => x.m).ToList();
}
