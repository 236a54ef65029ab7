namespace PhaseScope.Monitoring.Probes;

/// <summary>The curvature probe's reading (seed 003 §11.6), published through the monitor: the top Hessian eigenvalue
/// λ_max at <paramref name="Step"/>. The consolidation probe reads it for the stability margin S and I.</summary>
/// <param name="Step">The step it was measured at.</param>
/// <param name="LambdaMax">λ_max(H).</param>
public sealed record CurvatureReading(long Step, double LambdaMax);
