using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// The phase of one parameter/gradient set (seed 000 §5–6) with the evidence behind it: m∩, d₀ and the
/// contact quality estimates Q̂_α(K) = −C(K, K)/log K (Cor. 6.4) for K ∈ [10, 50].
/// <para>
/// Classification (PhaseScope's reading of Thm 4.8 and 6.3, which are limits and need an operational form
/// on finite data): <b>ordered</b> when m∩ ≥ 1 (exactly; then d₀ = 0); otherwise the two divergence laws of
/// Thm 6.3 are compared at the largest order examined, K_max: the quasi-ordered law is
/// −C(K, K) ≈ (2/(α+1)) log K ≤ 2 log K, the disordered one −C(K, K) ≈ d₀K. When d₀·K_max ≥ 2·log K_max the
/// linear term already exceeds the largest logarithmic one, so the data show linear divergence:
/// <b>disordered</b>; below it they cannot be told from logarithmic divergence: <b>quasi-ordered</b>.
/// The crossover d₀* = 2 log K_max / K_max (0.156 for K_max = 50) is reported with the reading.
/// When θ or g is all zero the phase is <see cref="MomentsPhase.Undefined"/> (every element would be "maximal").
/// </para>
/// </summary>
/// <param name="Extremal">β, R*, m, m_g, m∩, d₀ and the topological constant.</param>
/// <param name="Orders">The orders K of the diagonal.</param>
/// <param name="Diagonal">C(K, K) per order.</param>
/// <param name="QHat">Q̂_α(K) per order.</param>
/// <param name="Phase">The classification.</param>
/// <param name="D0Crossover">d₀* = 2 log K_max / K_max.</param>
public sealed record PhaseReading(ExtremalStatistics Extremal, double[] Orders, double[] Diagonal, double[] QHat, MomentsPhase Phase, double D0Crossover)
{
    /// <summary>Seed 000's suggested range of K for Q̂_α (Cor. 6.4): 10, 20, 30, 40, 50.</summary>
    public static readonly double[] DefaultOrders = [10, 20, 30, 40, 50];

    /// <summary>m∩.</summary>
    public long Intersection => Extremal.Intersection;
    /// <summary>d₀.</summary>
    public double D0 => Extremal.D0;
    /// <summary>Q̂_α at the largest order (the headline value).</summary>
    public double QAlpha => QHat[^1];

    /// <summary>The reading of a whole parameter set, merged exactly from per-tensor partials (tensors without gradient are skipped).</summary>
    public static PhaseReading Of(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor?> gradients, IReadOnlyList<double>? orders = null)
    {
        if (parameters.Count != gradients.Count) throw new ArgumentException($"{parameters.Count} parameter tensors but {gradients.Count} gradients.");
        var ks = (orders ?? DefaultOrders).Distinct().Order().ToArray();
        LogSpace.ValidateOrders(ks, nameof(orders));
        if (ks.Any(k => k <= 1)) throw new ArgumentOutOfRangeException(nameof(orders), "Q̂_α(K) = −C(K,K)/log K needs every K > 1.");
        ExtremalPartial? extremal = null;
        DiagonalCoupling? diagonal = null;
        for (int i = 0; i < parameters.Count; i++)
        {
            if (gradients[i] is not { } g) continue;
            var e = ExtremalPartial.Of(parameters[i], g);
            var d = DiagonalCoupling.Of(parameters[i], g, ks, e);
            extremal = extremal is null ? e : extremal.Merge(e);
            diagonal = diagonal is null ? d : diagonal.Merge(d);
        }
        if (extremal is null || diagonal is null || extremal.Count == 0) throw new ArgumentException("No parameter tensor with a gradient: the phase needs both θ and g.");
        return From(extremal.Finish(), diagonal.Finish());
    }

    /// <summary>Classifies from finished statistics.</summary>
    public static PhaseReading From(ExtremalStatistics extremal, (double Order, double Coupling)[] diagonal)
    {
        var orders = diagonal.Select(d => d.Order).ToArray();
        var c = diagonal.Select(d => d.Coupling).ToArray();
        var q = diagonal.Select(d => -d.Coupling / Math.Log(d.Order)).ToArray();
        double kMax = orders[^1];
        double crossover = 2 * Math.Log(kMax) / kMax;
        var phase = extremal.Degenerate ? MomentsPhase.Undefined
            : extremal.Intersection >= 1 ? MomentsPhase.Ordered
            : extremal.D0 >= crossover ? MomentsPhase.Disordered : MomentsPhase.QuasiOrdered;
        return new PhaseReading(extremal, orders, c, q, phase, crossover);
    }
}
