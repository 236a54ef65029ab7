namespace PhaseScope.Monitoring.Descriptors;

/// <summary>How one run's series of a metric is summarised in one number (a comparison's table, a verdict's row).</summary>
public enum MetricAggregate
{
    /// <summary>Not summarised per run.</summary>
    None,
    /// <summary>The last recorded value (final accuracy, final norm).</summary>
    Last,
    /// <summary>The smallest value (best loss, smallest stability margin).</summary>
    Min,
    /// <summary>The largest value.</summary>
    Max,
    /// <summary>The first step at which the value reaches <see cref="MetricDescriptor.Threshold"/> from below (p crossing 0.5).</summary>
    FirstCrossing,
}
