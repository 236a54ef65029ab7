namespace PhaseScope.Consolidation;

/// <summary>
/// Tail index α of |g| by the Hill estimator (seed 003 §11.5): with X₍₁₎ ≥ … ≥ X₍ₖ₊₁₎ the largest
/// magnitudes, 1/α̂ = (1/k) Σ_{i≤k} log(X₍ᵢ₎/X₍ₖ₊₁₎). For a Pareto tail P(X &gt; x) ∝ x^−α the estimate is
/// consistent with standard error ≈ α/√k. <see cref="AlphaClipped"/> is clipped to [1, 2] as the seed does
/// (the α-stable range it assumes); <see cref="EffectiveDimension"/> is d_H = min(d, α) of §6.2 with the clipped α
/// (for any real model d ≫ 2, so d_H is the clipped α). The seed adds 1e-10 to X₍ₖ₊₁₎ and to the mean to avoid
/// division by zero; here the estimate is instead undefined (<see cref="Defined"/> false, α NaN) when fewer than
/// k + 1 magnitudes exist or X₍ₖ₊₁₎ = 0, and +∞ when all k + 1 are equal (no tail at all).
/// </summary>
/// <param name="Order">k.</param>
/// <param name="Alpha">α̂ (NaN when undefined).</param>
/// <param name="Dimension">d, the number of coordinates.</param>
public sealed record TailIndex(int Order, double Alpha, long Dimension)
{
    /// <summary>Whether the estimate exists.</summary>
    public bool Defined => !double.IsNaN(Alpha);

    /// <summary>α̂ clipped to [1, 2] (§11.5).</summary>
    public double AlphaClipped => Defined ? Math.Clamp(Alpha, 1.0, 2.0) : double.NaN;

    /// <summary>d_H = min(d, clipped α) (§6.2).</summary>
    public double EffectiveDimension => Math.Min(Dimension, AlphaClipped);

    /// <summary>The Hill estimate from descending order statistics (at least k + 1 of them).</summary>
    public static TailIndex Hill(IReadOnlyList<double> descending, int order, long dimension)
    {
        if (order < 1) throw new ArgumentOutOfRangeException(nameof(order), order, "The Hill estimator needs k ≥ 1 order statistics.");
        // order + 1L: k = 2³¹ − 1 must not wrap
        if (descending.Count < order + 1L || !(descending[order] > 0)) return new TailIndex(order, double.NaN, dimension);
        double threshold = Math.Log(descending[order]), s = 0;
        for (int i = 0; i < order; i++) s += Math.Log(descending[i]) - threshold;
        double mean = s / order;
        return new TailIndex(order, mean > 0 ? 1 / mean : double.PositiveInfinity, dimension);
    }
}
