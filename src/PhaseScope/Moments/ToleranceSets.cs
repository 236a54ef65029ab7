using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Extremal sets with a relative tolerance τ (docs/MATH.md "Extremal sets with a tolerance": float32 values rarely tie exactly):
/// J_max(τ) = {i : |θ_i| ≥ (1−τ)θ_max}, I_max(τ) = {i : |g_i| ≥ (1−τ)g_max}, their sizes and the size of their
/// intersection. Needs the global maxima first (<see cref="ExtremalPartial"/>), then one pass per shard;
/// shards merge by adding counts. τ = 0 gives the exact sets.
/// </summary>
/// <param name="Multiplicity">|J_max(τ)|.</param>
/// <param name="GradMultiplicity">|I_max(τ)|.</param>
/// <param name="Intersection">|J_max(τ) ∩ I_max(τ)|.</param>
public sealed record ToleranceSets(long Multiplicity, long GradMultiplicity, long Intersection)
{
    /// <summary>Counts of one shard against the global maxima.</summary>
    public static ToleranceSets Of(Tensor theta, Tensor gradient, double thetaMax, double gradMax, double tolerance)
    {
        if (!(tolerance >= 0 && tolerance < 1)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The relative tolerance must be in [0, 1).");
        if (theta.numel() != gradient.numel()) throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}.");
        if (theta.numel() == 0) return new ToleranceSets(0, 0, 0);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var inJ = KeptScalar.Ge(theta.detach().flatten().to_type(ScalarType.Float64).abs(), (1 - tolerance) * thetaMax);
        var inI = KeptScalar.Ge(gradient.detach().flatten().to_type(ScalarType.Float64).abs(), (1 - tolerance) * gradMax);
        var v = stack([inJ.sum(), inI.sum(), inJ.logical_and(inI).sum()]).cpu().data<long>().ToArray();
        return new ToleranceSets(v[0], v[1], v[2]);
    }

    /// <summary>Counts of the union of two shards.</summary>
    public ToleranceSets Merge(ToleranceSets o) => new(Multiplicity + o.Multiplicity, GradMultiplicity + o.GradMultiplicity, Intersection + o.Intersection);

    /// <summary>
    /// The effective multiplicity Σ_i (|θ_i|/θ_max)^k = n·M(k)/θ_max^k = exp(log n + log M(k) − kβ) (docs/MATH.md "Extremal sets with a tolerance"):
    /// a continuous count of the values near the maximum that tends to m as k → ∞ (Thm 2.3).
    /// </summary>
    public static double EffectiveMultiplicity(long n, double logMoment, double order, double beta) =>
        Math.Exp(Math.Log(n) + logMoment - order * beta);
}
