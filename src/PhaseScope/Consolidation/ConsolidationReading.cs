namespace PhaseScope.Consolidation;

/// <summary>The latest consolidation measurement, for controllers (seed 003 §11.3–11.4).</summary>
/// <param name="Step">The step measured.</param>
/// <param name="P">The deciding p at the training batch (<see cref="ConsolidationAnalysis.Deciding"/>: the seed's estimator for extra batches, the bias-corrected one for micro-batches).</param>
/// <param name="CAlpha">The C_α behind <paramref name="P"/>.</param>
/// <param name="Intelligence">I = p·S/d_H, NaN when no curvature or tail index is known.</param>
public sealed record ConsolidationReading(long Step, double P, double CAlpha, double Intelligence);
