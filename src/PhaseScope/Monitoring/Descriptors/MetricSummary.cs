namespace PhaseScope.Monitoring.Descriptors;

/// <summary>One run's series of a metric summarised by its descriptor's <see cref="MetricDescriptor.Aggregate"/>.</summary>
public static class MetricSummary
{
    /// <summary>The aggregate of <paramref name="series"/> (step order; non-finite values are skipped): the last value, the
    /// smallest, the largest, or for <see cref="MetricAggregate.FirstCrossing"/> the first step whose value is at least the
    /// threshold. Null when there is nothing to summarise or the series never crossed.</summary>
    public static double? Of(MetricDescriptor metric, IReadOnlyList<(long Step, double Value)> series)
    {
        var finite = series.Where(p => double.IsFinite(p.Value)).ToList();
        if (finite.Count == 0) return null;
        return metric.Aggregate switch
        {
            MetricAggregate.Last => finite[^1].Value,
            MetricAggregate.Min => finite.Min(p => p.Value),
            MetricAggregate.Max => finite.Max(p => p.Value),
            MetricAggregate.FirstCrossing when metric.Threshold is double t => finite.Where(p => p.Value >= t).Select(p => (double?)p.Step).FirstOrDefault(),
            _ => null,
        };
    }
}
