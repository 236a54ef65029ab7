namespace PhaseScope.SpectralEdge;

/// <summary>
/// The isotropic-noise (BBP) detection threshold for a W×P trajectory window (seed 001, §4.1, Prop. 4.1; the
/// formulas were lost in extraction and are written out here).
/// <para>Noise model: each coordinate of an update carries i.i.d. noise of standard deviation s. For Adam the
/// preconditioner normalises the per-step gradient noise, giving s ≈ η/√B per step (seed 001, eq. 5, in words);
/// an update over a stride of k optimizer steps sums k independent steps, so s = η·√(k/B).</para>
/// <para>Pure noise: the eigenvalues of G = X Xᵀ fill [s²(√P − √W)², s²(√P + √W)²] (Marchenko–Pastur for the
/// W×W Gram with P ≫ W), centred at P·s². A rank-one signal of singular value θ separates from that bulk iff
/// θ² &gt; s²·√(W·P) (the BBP transition for rectangular matrices, Benaych-Georges &amp; Nadakuditi 2012, in the
/// units of X); the separated eigenvalue is then ≈ θ² + P·s² and sits above the bulk edge.</para>
/// </summary>
/// <param name="NoiseStd">s, per coordinate per update.</param>
/// <param name="NoiseLevel">P·s², where pure-noise eigenvalues of G concentrate.</param>
/// <param name="BulkEdge">s²(√P + √W)², the largest pure-noise eigenvalue of G.</param>
/// <param name="SignalThreshold">s²√(W·P), the smallest detectable signal strength θ².</param>
public sealed record BbpThreshold(double NoiseStd, double NoiseLevel, double BulkEdge, double SignalThreshold)
{
    /// <summary>The threshold for W updates of length P made with learning rate η, batch size B and a stride of k steps.</summary>
    public static BbpThreshold Isotropic(int window, long dimension, double learningRate, int batchSize, int stride)
    {
        if (window < 1 || dimension < 1) throw new ArgumentOutOfRangeException(nameof(window), "W and P must be positive.");
        if (!(learningRate > 0) || !double.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        if (batchSize < 1 || stride < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "Batch size and stride must be positive.");
        double s = learningRate * Math.Sqrt((double)stride / batchSize);
        double s2 = s * s, sp = Math.Sqrt((double)dimension), sw = Math.Sqrt((double)window);
        return new BbpThreshold(s, dimension * s2, s2 * (sp + sw) * (sp + sw), s2 * sw * sp);
    }

    /// <summary>How many σ_j² lie above the pure-noise bulk edge.</summary>
    public int AboveBulk(IEnumerable<double> sigma) => sigma.Count(x => x * x > BulkEdge);

    /// <summary>σ_min² / bulk edge: how far the weakest direction is above the noise (seed 001 reports 10²–10⁴).</summary>
    public double WeakestMargin(IReadOnlyList<double> sigma) => sigma.Count == 0 ? double.NaN : sigma[^1] * sigma[^1] / BulkEdge;
}
