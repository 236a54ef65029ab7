namespace PhaseScope.Reporting.Store;

/// <summary>The row of a run's <c>runs</c> table.</summary>
/// <param name="Directory">The run directory.</param>
/// <param name="Name">Run name.</param>
/// <param name="Kind">What produced it, e.g. <c>grok</c>.</param>
/// <param name="CreatedUtc">Creation time (ISO 8601, UTC).</param>
/// <param name="FinishedUtc">Completion time, or null while running or after a crash.</param>
/// <param name="Status"><c>running</c>, <c>completed</c>, <c>cancelled</c> or <c>failed</c>.</param>
/// <param name="SummaryJson">The run's summary object (JSON), or null before completion.</param>
public sealed record RunInfo(string Directory, string Name, string Kind, string CreatedUtc, string? FinishedUtc, string Status, string? SummaryJson);
