using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Mergeable partial of the exact extremal statistics of seed 000 over one shard: θ_max and its
/// multiplicity m (|J_max|), g_max and m_g (|I_max|), the number of indices in both sets at the
/// shard's maxima, and max_i log(|θ_i||g_i|). Merging keeps counts only from shards that attain the
/// merged maxima, which makes m∩ = |J_max ∩ I_max| exact over any split. Exact ties (no tolerance):
/// float32 parameters rarely tie, which is why m∩ is usually 0 or 1 (DESIGN.md math notes).
/// </summary>
/// <param name="Count">n.</param>
/// <param name="ThetaMax">max |θ_i|.</param>
/// <param name="ThetaMultiplicity">m = |{i : |θ_i| = θ_max}|.</param>
/// <param name="GradMax">max |g_i|.</param>
/// <param name="GradMultiplicity">m_g = |{i : |g_i| = g_max}|.</param>
/// <param name="Intersection">|{i : |θ_i| = θ_max and |g_i| = g_max}| at this shard's maxima.</param>
/// <param name="MaxLogProduct">max_i log(|θ_i||g_i|) (−∞ when every product is 0).</param>
public sealed record ExtremalPartial(long Count, double ThetaMax, long ThetaMultiplicity, double GradMax, long GradMultiplicity,
    long Intersection, double MaxLogProduct)
{
    /// <summary>The partial of one shard; θ and g of equal length.</summary>
    public static ExtremalPartial Of(Tensor theta, Tensor gradient)
    {
        if (theta.numel() != gradient.numel())
            throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}; they are paired index by index.");
        if (theta.numel() == 0) return new ExtremalPartial(0, 0, 0, 0, 0, 0, double.NegativeInfinity);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var t = theta.detach().flatten().to_type(ScalarType.Float64).abs();
        var g = gradient.detach().flatten().to_type(ScalarType.Float64).abs();
        var tMax = t.max();
        var gMax = g.max();
        var inJ = t.eq(tMax);
        var inI = g.eq(gMax);
        var v = stack([tMax, gMax, inJ.sum().to_type(ScalarType.Float64), inI.sum().to_type(ScalarType.Float64),
            inJ.logical_and(inI).sum().to_type(ScalarType.Float64), (t.log() + g.log()).max()]).cpu().data<double>().ToArray();
        NonFiniteValuesException.ThrowIfNonFinite(v[0], "θ");
        NonFiniteValuesException.ThrowIfNonFinite(v[1], "g");
        return new ExtremalPartial(theta.numel(), v[0], (long)v[2], v[1], (long)v[3], (long)v[4], v[5]);
    }

    /// <summary>The partial of the union of two shards.</summary>
    public ExtremalPartial Merge(ExtremalPartial o)
    {
        if (Count == 0) return o;
        if (o.Count == 0) return this;
        double tMax = Math.Max(ThetaMax, o.ThetaMax), gMax = Math.Max(GradMax, o.GradMax);
        long Both(ExtremalPartial p) => p.ThetaMax == tMax && p.GradMax == gMax ? p.Intersection : 0;
        return new ExtremalPartial(Count + o.Count,
            tMax, (ThetaMax == tMax ? ThetaMultiplicity : 0) + (o.ThetaMax == tMax ? o.ThetaMultiplicity : 0),
            gMax, (GradMax == gMax ? GradMultiplicity : 0) + (o.GradMax == gMax ? o.GradMultiplicity : 0),
            Both(this) + Both(o), Math.Max(MaxLogProduct, o.MaxLogProduct));
    }

    /// <summary>β, R*, β_g, R*_g, m∩, d₀ and the topological constant.</summary>
    public ExtremalStatistics Finish()
    {
        if (Count == 0) throw new InvalidOperationException("No elements: extremal statistics of an empty set are undefined.");
        double logN = Math.Log(Count);
        double d0 = Math.Log(ThetaMax) + Math.Log(GradMax) - MaxLogProduct;
        return new ExtremalStatistics(
            Beta: Math.Log(ThetaMax), RStar: Math.Log(ThetaMultiplicity) - logN,
            BetaGrad: Math.Log(GradMax), RStarGrad: Math.Log(GradMultiplicity) - logN,
            Multiplicity: ThetaMultiplicity, GradMultiplicity: GradMultiplicity, Intersection: Intersection,
            // With m∩ ≥ 1 the maximal product is θ_max·g_max itself: d₀ is 0 exactly, not a rounding residue.
            D0: Intersection > 0 ? 0 : d0,
            TopologicalConstant: Intersection > 0
                ? logN + Math.Log(Intersection) - Math.Log(ThetaMultiplicity) - Math.Log(GradMultiplicity)
                : double.NegativeInfinity);
    }
}

/// <summary>The extremal statistics of seed 000 for one parameter/gradient set.</summary>
/// <param name="Beta">β = log θ_max (Thm 2.2, eq. 3).</param>
/// <param name="RStar">R* = log(m/n) (Thm 2.3, eq. 5).</param>
/// <param name="BetaGrad">β_g = log g_max (Thm 3.2, eq. 14).</param>
/// <param name="RStarGrad">R*_g = log(m_g/n).</param>
/// <param name="Multiplicity">m = |J_max|.</param>
/// <param name="GradMultiplicity">m_g = |I_max|.</param>
/// <param name="Intersection">m∩ = |J_max ∩ I_max| (Thm 4.7, 4.8): ≥ 1 ordered, 0 disordered.</param>
/// <param name="D0">d₀ = log(θ_max g_max) − max_i log(|θ_i||g_i|) (DESIGN.md; for m∩ = 0, C(k,k)/k → −d₀).</param>
/// <param name="TopologicalConstant">log(n·m∩/(m·m_g)), the limit of C(k, l) for m∩ ≥ 1 (Thm 4.7 i); −∞ for m∩ = 0.</param>
public sealed record ExtremalStatistics(double Beta, double RStar, double BetaGrad, double RStarGrad, long Multiplicity,
    long GradMultiplicity, long Intersection, double D0, double TopologicalConstant);
