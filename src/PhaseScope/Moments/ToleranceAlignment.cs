using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// m∩ with a relative tolerance, for several tolerances at once, and the smallest tolerance at which the extremal sets
/// meet (docs/MATH.md "Extremal sets with a tolerance"). For each τ: J_max(τ) = {i : |θ_i| ≥ (1−τ)θ_max},
/// I_max(τ) = {i : |g_i| ≥ (1−τ)g_max} and m∩(τ) = |J_max(τ) ∩ I_max(τ)| (<see cref="ToleranceSets"/>); τ = 0 is seed
/// 000's strict argmax of Thm 4.7–4.8.
/// <para>
/// τ* = 1 − max_i min(|θ_i|/θ_max, |g_i|/g_max) is the smallest τ with m∩(τ) ≥ 1 (up to rounding at the boundary):
/// index i lies in both sets exactly when both ratios reach 1 − τ. In the spectral plane (λ_i, μ_i) =
/// (log(θ_max/|θ_i|), log(g_max/|g_i|)), τ* = 1 − e^(−d_∞) with d_∞ = min_i max(λ_i, μ_i) the Chebyshev distance of the
/// support from the origin, while d₀ = min_i (λ_i + μ_i) is its L1 distance; since max(λ, μ) ≤ λ + μ ≤ 2 max(λ, μ),
/// 1 − e^(−d₀/2) ≤ τ* ≤ 1 − e^(−d₀). So a tolerance below 1 − e^(−d₀/2) cannot make the sets meet.
/// </para>
/// Needs the global maxima first (<see cref="ExtremalPartial"/>), then one pass per shard; shards merge by adding
/// counts and taking the larger closeness.
/// </summary>
/// <param name="Tolerances">The relative tolerances τ, each in [0, 1).</param>
/// <param name="Sets">|J_max(τ)|, |I_max(τ)| and m∩(τ) per tolerance.</param>
/// <param name="Closeness">max_i min(|θ_i|/θ_max, |g_i|/g_max) (−∞ for no elements).</param>
public sealed record ToleranceAlignment(double[] Tolerances, ToleranceSets[] Sets, double Closeness)
{
    /// <summary>The smallest τ with m∩(τ) ≥ 1: 1 − <see cref="Closeness"/>.</summary>
    public double SmallestTolerance => 1 - Closeness;

    /// <summary>Counts of one shard against the global maxima (both positive).</summary>
    public static ToleranceAlignment Of(Tensor theta, Tensor gradient, double thetaMax, double gradMax, IReadOnlyList<double> tolerances)
    {
        foreach (var tau in tolerances)
            if (!(tau >= 0 && tau < 1)) throw new ArgumentOutOfRangeException(nameof(tolerances), tau, "Every relative tolerance must be in [0, 1).");
        if (!(thetaMax > 0) || !(gradMax > 0)) throw new ArgumentOutOfRangeException(nameof(thetaMax), "Tolerance sets need positive maxima of |θ| and |g|.");
        if (theta.numel() != gradient.numel()) throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}.");
        var taus = tolerances.ToArray();
        if (theta.numel() == 0) return new ToleranceAlignment(taus, taus.Select(_ => new ToleranceSets(0, 0, 0)).ToArray(), double.NegativeInfinity);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var t = theta.detach().flatten().to_type(ScalarType.Float64).abs();
        var g = gradient.detach().flatten().to_type(ScalarType.Float64).abs();
        var parts = new List<Tensor> { minimum(KeptScalar.Div(t, thetaMax), KeptScalar.Div(g, gradMax)).max() };
        foreach (var tau in taus)
        {
            var inJ = KeptScalar.Ge(t, (1 - tau) * thetaMax);
            var inI = KeptScalar.Ge(g, (1 - tau) * gradMax);
            parts.AddRange([inJ.sum().to_type(ScalarType.Float64), inI.sum().to_type(ScalarType.Float64), inJ.logical_and(inI).sum().to_type(ScalarType.Float64)]);
        }
        var v = stack(parts).cpu().data<double>().ToArray();
        var sets = taus.Select((_, j) => new ToleranceSets((long)v[1 + 3 * j], (long)v[2 + 3 * j], (long)v[3 + 3 * j])).ToArray();
        return new ToleranceAlignment(taus, sets, v[0]);
    }

    /// <summary>The counts of a whole parameter set: one pass per (θ, g) pair against <paramref name="extremal"/>'s maxima.
    /// When every θ and g is a contiguous float32 CPU tensor the pass is one host read of them all
    /// (<see cref="ToleranceHostPass"/>: the same float64 comparisons and quotients as the tensor path, so the same counts and
    /// the same τ*, with no float64 copies and no kernel per tensor and tolerance).</summary>
    public static ToleranceAlignment Of(IEnumerable<(Tensor Theta, Tensor Gradient)> pairs, ExtremalStatistics extremal, IReadOnlyList<double> tolerances)
    {
        var list = pairs as IReadOnlyList<(Tensor Theta, Tensor Gradient)> ?? pairs.ToList();
        if (list.Count > 0 && extremal.ThetaMax > 0 && extremal.GradMax > 0
            && ToleranceHostPass.Of(list, extremal.ThetaMax, extremal.GradMax, tolerances) is { } host)
            return new ToleranceAlignment(tolerances.ToArray(), host.Sets, host.Closeness);
        ToleranceAlignment? all = null;
        foreach (var (theta, g) in list)
        {
            var one = Of(theta, g, extremal.ThetaMax, extremal.GradMax, tolerances);
            all = all is null ? one : all.Merge(one);
        }
        return all ?? throw new ArgumentException("No (θ, g) pair: tolerance sets need both.");
    }

    /// <summary>Counts of the union of two shards (the same tolerances).</summary>
    public ToleranceAlignment Merge(ToleranceAlignment o)
    {
        if (!Tolerances.SequenceEqual(o.Tolerances)) throw new ArgumentException("Cannot merge tolerance counts taken at different tolerances.");
        return new ToleranceAlignment(Tolerances, Sets.Zip(o.Sets, (a, b) => a.Merge(b)).ToArray(), Math.Max(Closeness, o.Closeness));
    }
}
