namespace PhaseScope.Monitoring.Descriptors;

/// <summary>One chart of a family's section: every metric whose <see cref="MetricDescriptor.Chart"/> names it is a line in it.</summary>
/// <param name="Id">Identifier the metrics refer to.</param>
/// <param name="Title">Chart title.</param>
/// <param name="YTitle">Title of the value axis.</param>
public sealed record ChartDescriptor(string Id, string Title, string YTitle)
{
    /// <summary>A logarithmic value axis.</summary>
    public bool LogY { get; init; }

    /// <summary>What the chart shows when its family ran but none of its metrics was recorded (which option or probe it needs); null: a generic line.</summary>
    public string? WhenEmpty { get; init; }
}
