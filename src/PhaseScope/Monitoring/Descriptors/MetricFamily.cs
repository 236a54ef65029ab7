namespace PhaseScope.Monitoring.Descriptors;

/// <summary>A family declared as data: the usual way to write an <see cref="IMetricFamily"/>.</summary>
public sealed record MetricFamily(string Id, string Title, string Intro, string Noun, string EnabledBy) : IMetricFamily
{
    /// <inheritdoc />
    public bool ShownWhenAbsent { get; init; } = true;

    /// <inheritdoc />
    public IReadOnlyList<ChartDescriptor> Charts { get; init; } = [];

    /// <inheritdoc />
    public IReadOnlyList<MetricDescriptor> Metrics { get; init; } = [];

    /// <inheritdoc />
    public IReadOnlyList<EventDescriptor> Events { get; init; } = [];

    /// <inheritdoc />
    public string? VerdictGroup { get; init; }

    /// <inheritdoc />
    public IReadOnlyList<string> VerdictArguments { get; init; } = [];

    /// <inheritdoc />
    public IReadOnlyList<(string Option, string Value)> VerdictSchedules { get; init; } = [];
}
