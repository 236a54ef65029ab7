namespace PhaseScope.LearningCoefficient;

/// <summary>One LLC estimate (<see cref="LocalLearningCoefficient.Estimate"/>).</summary>
/// <param name="LambdaHat">λ̂ = nβ (E[L] − L(w*)), averaged over the chains that did not diverge (NaN when all did).</param>
/// <param name="StandardError">Standard deviation of the per-chain λ̂ over √chains (NaN with one chain).</param>
/// <param name="PerChain">λ̂ of each chain (NaN: diverged).</param>
/// <param name="ReferenceLoss">L(w*), the mean reference-batch loss at the point.</param>
/// <param name="MeanLoss">E[L] over every draw of the chains that did not diverge.</param>
/// <param name="NBeta">nβ used.</param>
/// <param name="Diverged">Chains whose loss became non-finite or exceeded 10⁶ × (1 + |L(w*)|): lower the step size.</param>
public sealed record LlcEstimate(double LambdaHat, double StandardError, double[] PerChain, double ReferenceLoss, double MeanLoss, double NBeta, int Diverged);
