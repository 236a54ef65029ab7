using PhaseScope.Stability;

namespace PhaseScope.Monitoring.Probes;

/// <summary>The stability probe's latest reading, published through the monitor for forecasts and controllers.</summary>
/// <param name="Step">The step it was measured at.</param>
/// <param name="PreconditionedLambdaMax">λ_max(P⁻¹H) (NaN when not measured at this step or the optimizer has no preconditioner).</param>
/// <param name="Margin">The stability margin of the optimizer in use (NaN where none applies).</param>
/// <param name="Directional">The directional reading along the step's update (null when not measured).</param>
public sealed record StabilityReading(long Step, double PreconditionedLambdaMax, double Margin, DirectionalReading? Directional);
