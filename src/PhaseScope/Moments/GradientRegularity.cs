using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// The gradient regularity diagnostics of seed 000 appendix C.
/// (G1) spectral gap: g_max &gt; g_next, reported as the ratio g_max/g_next (1 = vanishing gap, C.2).
/// (G2) log-integrability: E[log(g_max/|g|)] &lt; ∞. On a finite set it fails exactly when some g_i = 0
/// (log(g_max/0) = ∞); the exact-zero mass is reported with the finite mean over the non-zero values.
/// C.3 also asks that s_l = log G(l)/l be monotone (non-decreasing, Thm 2.2's argument applied to G):
/// <see cref="FirstMonotonicityViolation"/> finds where a measured sequence is not.
/// The mergeable part (<see cref="Partial"/>) is n, the zero count and Σ log|g_i| over non-zero g_i; the
/// mean then is β_g − Σ log|g_i| / n_nonzero, so it needs no second pass.
/// </summary>
/// <param name="GapRatio">g_max/g_next (∞ when all |g_i| equal).</param>
/// <param name="GapHolds">(G1): g_max/g_next &gt; 1.</param>
/// <param name="ZeroFraction">Fraction of exact zeros in g.</param>
/// <param name="MeanLogDecay">E[log(g_max/|g|)] over the non-zero g_i.</param>
/// <param name="LogIntegrable">(G2) on the finite set: no exact zero.</param>
public sealed record GradientRegularity(double GapRatio, bool GapHolds, double ZeroFraction, double MeanLogDecay, bool LogIntegrable)
{
    /// <summary>Mergeable sums for (G2).</summary>
    public sealed record Partial(long Count, long Zeros, double SumLogNonZero)
    {
        /// <summary>The sums of one shard.</summary>
        public static Partial Of(Tensor gradient)
        {
            if (gradient.numel() == 0) return new Partial(0, 0, 0);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var a = gradient.detach().flatten().to_type(ScalarType.Float64).abs();
            var zero = KeptScalar.Eq(a, 0);
            var v = stack([zero.sum().to_type(ScalarType.Float64), KeptScalar.MaskedFill(a, zero, 1.0).log().sum()]).cpu().data<double>().ToArray();
            return new Partial(gradient.numel(), (long)v[0], v[1]);
        }

        /// <summary>The sums of two shards.</summary>
        public Partial Merge(Partial o) => new(Count + o.Count, Zeros + o.Zeros, SumLogNonZero + o.SumLogNonZero);
    }

    /// <summary>The diagnostics from the merged sums and the gradient's extremal statistics.</summary>
    public static GradientRegularity From(Partial sums, ExtremalStatistics extremal)
    {
        double ratio = Math.Exp(extremal.GradGap);
        long nonZero = sums.Count - sums.Zeros;
        double mean = nonZero == 0 ? double.NaN : extremal.BetaGrad - sums.SumLogNonZero / nonZero;
        return new GradientRegularity(ratio, ratio > 1, sums.Count == 0 ? double.NaN : (double)sums.Zeros / sums.Count, mean, sums.Zeros == 0);
    }

    /// <summary>
    /// The first order l_j (j ≥ 1, l &gt; 0) where s_l = log G(l)/l drops below its predecessor by more than
    /// <paramref name="tolerance"/> (relative to |s|, for rounding), or null when the sequence is monotone.
    /// </summary>
    public static double? FirstMonotonicityViolation(IReadOnlyList<double> orders, IReadOnlyList<double> logMoments, double tolerance = 1e-9)
    {
        double? previous = null;
        for (int j = 0; j < orders.Count; j++)
        {
            if (orders[j] <= 0) continue;
            double s = logMoments[j] / orders[j];
            if (previous is double p && s < p - tolerance * Math.Max(1, Math.Abs(p))) return orders[j];
            previous = s;
        }
        return null;
    }
}
