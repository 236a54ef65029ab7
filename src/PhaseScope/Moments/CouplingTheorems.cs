using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// The bounds and limits of seed 000 §4 evaluated on a measured surface, each as a number a user can
/// compare with the measured C(k, l):
/// the Cauchy–Schwarz bound A(k) + B(l) (Thm 4.3, eq. 17–19), the unilateral limits (Thm 4.6), the
/// lower bound of eq. 41 (Thm 4.8, for m∩ ≥ 1), and the spectral representation (Thm 4.9, eq. 24) as an
/// identity check computed from the decay rates λ_i, μ_i independently of Z, M and G.
/// </summary>
public static class CouplingTheorems
{
    /// <summary>A(k) = ½ log M(2k) − log M(k) (eq. 18); the same form gives B(l) from G (eq. 19).</summary>
    public static double HalfDoubleGap(double logMomentDouble, double logMoment) => 0.5 * logMomentDouble - logMoment;

    /// <summary>
    /// The largest violation max(C(k,l) − A(k) − B(l)) over the grid (≤ 0 up to rounding when Thm 4.3 holds).
    /// <paramref name="logMDouble"/>[i] = log M(2k_i), <paramref name="logGDouble"/>[j] = log G(2l_j).
    /// </summary>
    public static double UpperBoundExcess(CouplingSurface s, double[] logMDouble, double[] logGDouble)
    {
        double worst = double.NegativeInfinity;
        for (int i = 0; i < s.KOrders.Length; i++)
            for (int j = 0; j < s.LOrders.Length; j++)
            {
                double c = s.Coupling(i, j);
                if (double.IsNaN(c)) continue;
                worst = Math.Max(worst, c - HalfDoubleGap(logMDouble[i], s.LogM[i]) - HalfDoubleGap(logGDouble[j], s.LogG[j]));
            }
        return worst;
    }

    /// <summary>
    /// The lower bound of eq. 41 at (k, l) for m∩ ≥ 1: log(n m∩/(m m_g)) − log(1 + (n−m)/m·e^(−Δ_θ k)) −
    /// log(1 + (n−m_g)/m_g·e^(−Δ_g l)); −∞ when m∩ = 0 (no finite bound exists, Thm 4.8).
    /// </summary>
    public static double LowerBound(ExtremalStatistics x, double k, double l)
    {
        if (x.Intersection < 1) return double.NegativeInfinity;
        double n = x.Count, m = x.Multiplicity, mg = x.GradMultiplicity;
        double Term(double count, double mult, double gap, double order) =>
            count == mult ? 0 : LogSpace.Log1p((count - mult) / mult * Math.Exp(-gap * order));
        return x.TopologicalConstant - Term(n, m, x.ThetaGap, k) - Term(n, mg, x.GradGap, l);
    }

    /// <summary>
    /// The unilateral limits of Thm 4.6 for one shard set, exactly: (i) for each k, lim_{l→∞} C(k, l) =
    /// log((1/m_g) Σ_{i∈I_max} |θ_i|^k) − log M(k); (ii) for each l, lim_{k→∞} C(k, l) =
    /// log((1/m) Σ_{i∈J_max} |g_i|^l) − log G(l). Needs the global maxima and the surface's log M, log G.
    /// </summary>
    public static (double[] LimitInL, double[] LimitInK) UnilateralLimits(IReadOnlyList<(Tensor Theta, Tensor Grad)> shards,
        ExtremalStatistics x, CouplingSurface s)
    {
        var sumI = s.KOrders.Select(_ => double.NegativeInfinity).ToArray();
        var sumJ = s.LOrders.Select(_ => double.NegativeInfinity).ToArray();
        foreach (var (theta, grad) in shards)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var a = LogSpace.LogAbs(theta);
            var b = LogSpace.LogAbs(grad);
            var (inJ, inI) = Members(theta, grad, x);
            var aI = a.masked_select(inI);
            var bJ = b.masked_select(inJ);
            for (int i = 0; i < sumI.Length && aI.numel() > 0; i++)
                sumI[i] = LogSpace.LogAddExp(sumI[i], LogSpace.Scaled(aI, s.KOrders[i]).logsumexp(0).item<double>());
            for (int j = 0; j < sumJ.Length && bJ.numel() > 0; j++)
                sumJ[j] = LogSpace.LogAddExp(sumJ[j], LogSpace.Scaled(bJ, s.LOrders[j]).logsumexp(0).item<double>());
        }
        var inL = sumI.Select((v, i) => v - Math.Log(x.GradMultiplicity) - s.LogM[i]).ToArray();
        var inK = sumJ.Select((v, j) => v - Math.Log(x.Multiplicity) - s.LogG[j]).ToArray();
        return (inL, inK);
    }

    /// <summary>
    /// The right-hand side of eq. 24 at each (k, l) pair, from the decay rates λ_i = log(θ_max/|θ_i|),
    /// μ_i = log(g_max/|g_i|) alone (K_max = J_max ∩ I_max; needs m∩ ≥ 1, else NaN):
    /// log(m∩n/(m m_g)) + log[1 + Σ_{i∉K} e^(−λ_i k − μ_i l)/m∩] − log[1 + Σ_{i∉J} e^(−λ_i k)/m] − log[1 + Σ_{i∉I} e^(−μ_i l)/m_g].
    /// </summary>
    public static double[] SpectralRepresentation(IReadOnlyList<(Tensor Theta, Tensor Grad)> shards, ExtremalStatistics x, IReadOnlyList<(double K, double L)> pairs)
    {
        if (x.Intersection < 1) return pairs.Select(_ => double.NaN).ToArray();
        var joint = pairs.Select(_ => double.NegativeInfinity).ToArray();
        var param = pairs.Select(_ => double.NegativeInfinity).ToArray();
        var grad = pairs.Select(_ => double.NegativeInfinity).ToArray();
        foreach (var (theta, g) in shards)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var lambda = -KeptScalar.Add(LogSpace.LogAbs(theta), -x.Beta);
            var mu = -KeptScalar.Add(LogSpace.LogAbs(g), -x.BetaGrad);
            var (inJ, inI) = Members(theta, g, x);
            var notK = inJ.logical_and(inI).logical_not();
            var lamNotJ = lambda.masked_select(inJ.logical_not());
            var muNotI = mu.masked_select(inI.logical_not());
            var lamNotK = lambda.masked_select(notK);
            var muNotK = mu.masked_select(notK);
            for (int p = 0; p < pairs.Count; p++)
            {
                var (k, l) = pairs[p];
                if (lamNotK.numel() > 0)
                    joint[p] = LogSpace.LogAddExp(joint[p], (-KeptScalar.Sum(LogSpace.Scaled(lamNotK, k), LogSpace.Scaled(muNotK, l))).logsumexp(0).item<double>());
                if (lamNotJ.numel() > 0) param[p] = LogSpace.LogAddExp(param[p], (-LogSpace.Scaled(lamNotJ, k)).logsumexp(0).item<double>());
                if (muNotI.numel() > 0) grad[p] = LogSpace.LogAddExp(grad[p], (-LogSpace.Scaled(muNotI, l)).logsumexp(0).item<double>());
            }
        }
        static double Correction(double logSum, double mult) => LogSpace.Log1p(Math.Exp(logSum - Math.Log(mult)));
        return pairs.Select((_, p) => x.TopologicalConstant + Correction(joint[p], x.Intersection)
            - Correction(param[p], x.Multiplicity) - Correction(grad[p], x.GradMultiplicity)).ToArray();
    }

    /// <summary>
    /// J_max and I_max of one shard as masks, by the same float64 comparison as <see cref="ExtremalPartial"/>
    /// (|x| == max), not by logarithms.
    /// </summary>
    static (Tensor InJ, Tensor InI) Members(Tensor theta, Tensor grad, ExtremalStatistics x) =>
        (KeptScalar.Eq(theta.detach().flatten().to_type(ScalarType.Float64).abs(), x.ThetaMax), KeptScalar.Eq(grad.detach().flatten().to_type(ScalarType.Float64).abs(), x.GradMax));
}
