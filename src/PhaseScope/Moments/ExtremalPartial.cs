using PhaseScope.Moments.Fast;
using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Mergeable partial of the exact extremal statistics of seed 000 over one shard: θ_max, its
/// multiplicity m (|J_max|) and the next value θ_next (the largest |θ_i| below θ_max, eq. 21); the same
/// for g (g_max, m_g, g_next); the number of indices in both sets at the shard's maxima, and
/// max_i log(|θ_i||g_i|). Merging keeps counts only from shards that attain the merged maxima, which
/// makes m∩ = |J_max ∩ I_max| exact over any split. Exact ties (no tolerance): float32 parameters
/// rarely tie, which is why m∩ is usually 0 or 1 (docs/MATH.md "Extremal sets with a tolerance"; <see cref="ToleranceSets"/>
/// counts with a relative tolerance). Without gradients (parameters only) the g fields are NaN / 0.
/// </summary>
/// <param name="Count">n.</param>
/// <param name="ThetaMax">max |θ_i|.</param>
/// <param name="ThetaMultiplicity">m = |{i : |θ_i| = θ_max}|.</param>
/// <param name="ThetaNext">max{|θ_i| : |θ_i| &lt; θ_max}; −1 when every value equals θ_max (no gap exists).</param>
/// <param name="GradMax">max |g_i|.</param>
/// <param name="GradMultiplicity">m_g = |{i : |g_i| = g_max}|.</param>
/// <param name="GradNext">max{|g_i| : |g_i| &lt; g_max}; −1 when none.</param>
/// <param name="Intersection">|{i : |θ_i| = θ_max and |g_i| = g_max}| at this shard's maxima.</param>
/// <param name="MaxLogProduct">max_i log(|θ_i||g_i|) (−∞ when every product is 0).</param>
public sealed record ExtremalPartial(long Count, double ThetaMax, long ThetaMultiplicity, double ThetaNext, double GradMax, long GradMultiplicity,
    double GradNext, long Intersection, double MaxLogProduct)
{
    /// <summary>Whether gradients were given.</summary>
    public bool HasGradients => !double.IsNaN(GradMax);

    /// <summary>The partial of one shard; θ and g of equal length, or g null for parameter statistics only.</summary>
    public static ExtremalPartial Of(Tensor theta, Tensor? gradient)
    {
        if (gradient is not null && theta.numel() != gradient.numel())
            throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}; they are paired index by index.");
        if (theta.numel() == 0) return Empty(gradient is not null);
        if (HostPass.Extremal(theta, gradient) is { } fast) return fast;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var t = theta.detach().flatten().to_type(ScalarType.Float64).abs();
        var tMax = t.max();
        var inJ = t.eq(tMax);
        var parts = new List<Tensor> { tMax, inJ.sum().to_type(ScalarType.Float64), KeptScalar.MaskedFill(t, inJ, -1.0).max() };
        if (gradient is not null)
        {
            var g = gradient.detach().flatten().to_type(ScalarType.Float64).abs();
            var gMax = g.max();
            var inI = g.eq(gMax);
            parts.AddRange([gMax, inI.sum().to_type(ScalarType.Float64), KeptScalar.MaskedFill(g, inI, -1.0).max(),
                inJ.logical_and(inI).sum().to_type(ScalarType.Float64), KeptScalar.Sum(t.log(), g.log()).max()]);
        }
        var v = stack(parts).cpu().data<double>().ToArray();
        NonFiniteValuesException.ThrowIfNonFinite(v[0], "θ");
        if (gradient is null)
            return new ExtremalPartial(theta.numel(), v[0], (long)v[1], v[2], double.NaN, 0, double.NaN, 0, double.NaN);
        NonFiniteValuesException.ThrowIfNonFinite(v[3], "g");
        return new ExtremalPartial(theta.numel(), v[0], (long)v[1], v[2], v[3], (long)v[4], v[5], (long)v[6], v[7]);
    }

    static ExtremalPartial Empty(bool gradients) => gradients
        ? new ExtremalPartial(0, -1, 0, -1, -1, 0, -1, 0, double.NegativeInfinity)
        : new ExtremalPartial(0, -1, 0, -1, double.NaN, 0, double.NaN, 0, double.NaN);

    /// <summary>The partial of the union of two shards.</summary>
    public ExtremalPartial Merge(ExtremalPartial o)
    {
        if (HasGradients != o.HasGradients) throw new ArgumentException("Cannot merge a partial with gradients and one without.");
        if (Count == 0) return o;
        if (o.Count == 0) return this;
        double tMax = Math.Max(ThetaMax, o.ThetaMax), gMax = Math.Max(GradMax, o.GradMax);
        long Both(ExtremalPartial p) => p.ThetaMax == tMax && p.GradMax == gMax ? p.Intersection : 0;
        // The next value below the merged maximum: a shard's own maximum when it is below, else its next value.
        static double Next(double max, double aMax, double aNext, double bMax, double bNext) =>
            Math.Max(aMax < max ? aMax : aNext, bMax < max ? bMax : bNext);
        return new ExtremalPartial(Count + o.Count,
            tMax, (ThetaMax == tMax ? ThetaMultiplicity : 0) + (o.ThetaMax == tMax ? o.ThetaMultiplicity : 0),
            Next(tMax, ThetaMax, ThetaNext, o.ThetaMax, o.ThetaNext),
            gMax, HasGradients ? (GradMax == gMax ? GradMultiplicity : 0) + (o.GradMax == gMax ? o.GradMultiplicity : 0) : 0,
            HasGradients ? Next(gMax, GradMax, GradNext, o.GradMax, o.GradNext) : double.NaN,
            HasGradients ? Both(this) + Both(o) : 0, Math.Max(MaxLogProduct, o.MaxLogProduct));
    }

    /// <summary>β, R*, β_g, R*_g, m∩, d₀, the gaps and the topological constant.</summary>
    public ExtremalStatistics Finish()
    {
        if (Count == 0) throw new InvalidOperationException("No elements: extremal statistics of an empty set are undefined.");
        double logN = Math.Log(Count);
        // A gap is log(max/next); with every value at the maximum (next = −1 sentinel) there is no next value: gap ∞.
        static double Gap(double max, double next) => next < 0 ? double.PositiveInfinity : Math.Log(max) - Math.Log(next);
        double d0 = Math.Log(ThetaMax) + Math.Log(GradMax) - MaxLogProduct;
        return new ExtremalStatistics(
            Count: Count,
            Beta: Math.Log(ThetaMax), RStar: Math.Log(ThetaMultiplicity) - logN,
            BetaGrad: Math.Log(GradMax), RStarGrad: HasGradients ? Math.Log(GradMultiplicity) - logN : double.NaN,
            Multiplicity: ThetaMultiplicity, GradMultiplicity: GradMultiplicity, Intersection: Intersection,
            // With m∩ ≥ 1 the maximal product is θ_max·g_max itself: d₀ is 0 exactly, not a rounding residue.
            D0: !HasGradients ? double.NaN : Intersection > 0 ? 0 : d0,
            TopologicalConstant: !HasGradients ? double.NaN : Intersection > 0
                ? logN + Math.Log(Intersection) - Math.Log(ThetaMultiplicity) - Math.Log(GradMultiplicity)
                : double.NegativeInfinity,
            ThetaGap: Gap(ThetaMax, ThetaNext), GradGap: HasGradients ? Gap(GradMax, GradNext) : double.NaN,
            ThetaNext: ThetaNext < 0 ? double.NaN : ThetaNext, GradNext: !HasGradients || GradNext < 0 ? double.NaN : GradNext,
            ThetaMax: ThetaMax, GradMax: GradMax);
    }
}

/// <summary>The extremal statistics of seed 000 for one parameter/gradient set.</summary>
/// <param name="Count">n.</param>
/// <param name="Beta">β = log θ_max (Thm 2.2, eq. 3).</param>
/// <param name="RStar">R* = log(m/n) (Thm 2.3, eq. 5).</param>
/// <param name="BetaGrad">β_g = log g_max (Thm 3.2, eq. 14).</param>
/// <param name="RStarGrad">R*_g = log(m_g/n).</param>
/// <param name="Multiplicity">m = |J_max|.</param>
/// <param name="GradMultiplicity">m_g = |I_max|.</param>
/// <param name="Intersection">m∩ = |J_max ∩ I_max| (Thm 4.7, 4.8): ≥ 1 ordered, 0 disordered.</param>
/// <param name="D0">d₀ = log(θ_max g_max) − max_i log(|θ_i||g_i|) (docs/MATH.md "d₀"; for m∩ = 0, C(k,k)/k → −d₀).</param>
/// <param name="TopologicalConstant">log(n·m∩/(m·m_g)), the limit of C(k, l) for m∩ ≥ 1 (Thm 4.7 i); −∞ for m∩ = 0.</param>
/// <param name="ThetaGap">Δ_θ = log(θ_max/θ_next) (eq. 21, 41); ∞ when all |θ_i| are equal.</param>
/// <param name="GradGap">Δ_g = log(g_max/g_next), condition (G1) of appendix C (<see cref="GradientRegularity"/>).</param>
/// <param name="ThetaNext">θ_next (NaN when none).</param>
/// <param name="GradNext">g_next (NaN when none).</param>
/// <param name="ThetaMax">θ_max itself (membership tests compare with it: exp(β) need not round back to it).</param>
/// <param name="GradMax">g_max itself.</param>
public sealed record ExtremalStatistics(long Count, double Beta, double RStar, double BetaGrad, double RStarGrad, long Multiplicity,
    long GradMultiplicity, long Intersection, double D0, double TopologicalConstant, double ThetaGap, double GradGap, double ThetaNext, double GradNext,
    double ThetaMax, double GradMax)
{
    /// <summary>θ is all zero: β = −∞, and R*, m, the gap and every quantity built on the largest |θ| are undefined.</summary>
    public bool ThetaAllZero => ThetaMax == 0;
    /// <summary>Gradients were given and are all zero: β_g = −∞, and R*_g, m_g, m∩ and d₀ are undefined.</summary>
    public bool GradAllZero => GradMax == 0;
    /// <summary>Either set is all zero, so no phase can be read (<see cref="MomentsPhase.Undefined"/>).</summary>
    public bool Degenerate => ThetaAllZero || GradAllZero;
}
