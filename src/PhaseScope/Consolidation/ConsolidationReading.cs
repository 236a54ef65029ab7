namespace PhaseScope.Consolidation;

/// <summary>The latest consolidation measurement, for controllers (seed 003 §11.3–11.4).</summary>
/// <param name="Step">The step measured.</param>
/// <param name="P">p = C_α/(1 + C_α) (seed's estimator).</param>
/// <param name="CAlpha">C_α (seed's estimator).</param>
/// <param name="Intelligence">I = p·S/d_H, NaN when no curvature or tail index is known.</param>
public sealed record ConsolidationReading(long Step, double P, double CAlpha, double Intelligence);
