namespace PhaseScope.Monitoring;

/// <summary>
/// A structured measurement too large for a scalar metric (a coupling surface, a spectral-plane histogram,
/// a rank–rank sample), kept as JSON so the report can draw it at the step it was taken.
/// </summary>
/// <param name="Step">Optimizer step.</param>
/// <param name="Name">Stable name, e.g. <c>moments/plane</c>.</param>
/// <param name="Source">The probe that took it.</param>
/// <param name="Json">The payload as a JSON object.</param>
public sealed record MonitorSnapshot(long Step, string Name, string Source, string Json);
