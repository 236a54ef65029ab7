using PhaseScope.Monitoring.Probes;
using PhaseScope.Monitoring;
using PhaseScope.SpectralEdge;

namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// Seed 001's language-model tests (Part VIII, §21–26) on one run's stored spectral series, each as the seed
/// defines it and with the seed's prediction:
/// <list type="bullet">
/// <item>Test 1 (§21, Prop. 4.1): the BBP threshold is vacuous — every window's weakest σ² is far above the pure-noise
/// bulk edge: min/median/max of <c>spectral/bbp_margin</c> (σ_min² over the edge; &gt; 1 means above).</item>
/// <item>Test 2 (§22, Def. 6.1): k* = argmax_j σ_j/σ_{j+1} is small and stable — its mode and how often it holds, the
/// gap ratio's median and peak, the share of windows whose ratio beats the flat-spectrum null at 5 % (Prop. 6.4); and
/// Remark 22.1's "cross-correlation edge": the position j whose ratio σ_j/σ_{j+1} correlates most with validation loss,
/// predicted to sit one above the argmax mode.</item>
/// <item>Test 4 (§24, Thm. 17.1): the gap ratio correlates with validation loss — Pearson r at lag 0 and at the best lag
/// within ±<see cref="MaxLag"/> positions of the common step grid (positive lag: the ratio leads).</item>
/// <item>Test 5 (§25, Remark 16.3): stability falls across the gap — mean split-half stability γ̂_j of the directions
/// above the gap (j &lt; k*), at it (j = k*) and below (j &gt; k*), each window split by its own k*; predicted
/// γ_dominant ≈ 1 &gt; γ_gap &gt; γ_subdominant.</item>
/// <item>Test 6 (§26, Thm. 14.2), the one term the spectrum alone can test: gap damping predicts that the gap
/// g = σ²_{k*} − σ²_{k*+1} reverts — the least-squares slope of Δg_t = g_{t+1} − g_t on g_t is negative. The seed found
/// this inconclusive (the curvature and driving terms need Hessian data); so may we.</item>
/// </list>
/// Test 3 (Krylov bound, Prop. 5.5; the threshold reconstructed, see <see cref="Compute"/>) runs when the run recorded the
/// curvature probe's top Ritz values and a threshold is given.
/// </summary>
public static class SpectralEdgeChecks
{
    /// <summary>Largest |lag| of Test 4, in positions of the common step grid (the seed's best TinyStories lag was −5).</summary>
    public const int MaxLag = 5;

    /// <summary>One run's results (NaN where the run lacks the series).</summary>
    public sealed record Result(
        int Windows,
        double BbpMin, double BbpMedian, double BbpMax,
        int KStarMode, double KStarModeShare, int KStarWeightedMode, double RatioMedian, double RatioMax, double NullRejectShare,
        double ZeroLagR, int BestLag, double BestLagR, int CrossCorrelationEdge, double CrossCorrelationR,
        double StabilityDominant, double StabilityAtGap, double StabilitySubdominant,
        double GapDampingSlope, double GapDampingR)
    {
        /// <summary>Test 3: the threshold τ used (NaN: not computed).</summary>
        public double KrylovThreshold { get; init; } = double.NaN;
        /// <summary>Test 3: curvature calls with Ritz values.</summary>
        public int KrylovCalls { get; init; }
        /// <summary>Test 3: median over curvature calls of the number of recorded Ritz values above τ (a lower bound of
        /// the Hessian eigenvalues above it; at most the number recorded).</summary>
        public double KrylovCountMedian { get; init; } = double.NaN;
        /// <summary>Test 3: share of windows whose k* is at most that count at the latest curvature call before them.</summary>
        public double KStarWithinKrylov { get; init; } = double.NaN;
    }

    /// <summary>The checks on a run's series (<paramref name="series"/> returns an empty list for a metric the run lacks).</summary>
    /// <param name="series">The run's stored series by name.</param>
    /// <param name="krylovThreshold">Test 3's τ = 1/(η·W·s) (null: Test 3 not computed; it also needs
    /// <c>curvature/ritz_j</c>).</param>
    public static Result Compute(Func<string, IReadOnlyList<(long Step, double Value)>> series, double? krylovThreshold = null)
    {
        var kStar = ByStep(series(SpectralEdgeMetrics.KStar));
        var steps = kStar.Keys.Order().ToArray();
        var bbp = series(SpectralEdgeMetrics.BbpMargin).Select(p => p.Value).Where(double.IsFinite).Order().ToArray();
        var (mode, modeShare) = Mode(kStar.Values.Select(v => (int)v));
        var (weightedMode, _) = Mode(series(SpectralEdgeMetrics.KStarWeighted).Select(p => (int)p.Value));
        var ratio = series(SpectralEdgeMetrics.GapRatio).Select(p => p.Value).Where(double.IsFinite).Order().ToArray();
        var nullP = series(SpectralEdgeMetrics.NullP).Select(p => p.Value).Where(double.IsFinite).ToArray();

        var loss = ByStep(series(EvaluationMetrics.TestLoss));
        var ratioByStep = ByStep(series(SpectralEdgeMetrics.GapRatio));
        var (zeroLag, bestLag, bestR) = Correlate(ratioByStep, loss);

        // σ_j per step, for the cross-correlation edge and the stability tiers.
        var sigma = Indexed(series, SpectralEdgeMetrics.SigmaPrefix);
        int edge = 0;
        double edgeR = double.NaN;
        for (int j = 0; j + 1 < sigma.Count; j++)
        {
            var r = sigma[j].Where(kv => sigma[j + 1].TryGetValue(kv.Key, out var next) && next > 0)
                .ToDictionary(kv => kv.Key, kv => kv.Value / sigma[j + 1][kv.Key]);
            var (_, _, rj) = Correlate(r, loss);
            if (double.IsFinite(rj) && (double.IsNaN(edgeR) || Math.Abs(rj) > Math.Abs(edgeR))) { edge = j + 1; edgeR = rj; }
        }

        var half = Indexed(series, SpectralEdgeMetrics.StabilityHalfPrefix);
        var (dominant, atGap, sub) = (new List<double>(), new List<double>(), new List<double>());
        foreach (var step in steps)
        {
            int k = (int)kStar[step];
            if (k < 1) continue;
            for (int j = 1; j <= half.Count; j++)
            {
                if (!half[j - 1].TryGetValue(step, out var g) || !double.IsFinite(g)) continue;
                (j < k ? dominant : j == k ? atGap : sub).Add(g);
            }
        }

        var gap = ByStep(series(SpectralEdgeMetrics.Gap));
        var gapSteps = gap.Keys.Order().ToArray();
        var level = new List<double>();
        var change = new List<double>();
        for (int i = 0; i + 1 < gapSteps.Length; i++)
        {
            double a = gap[gapSteps[i]], b = gap[gapSteps[i + 1]];
            if (!double.IsFinite(a) || !double.IsFinite(b)) continue;
            level.Add(a);
            change.Add(b - a);
        }
        double slope = Slope(level, change), dampingR = LaggedCorrelation.Pearson(level, change);

        var krylov = Krylov(series, kStar, krylovThreshold);
        return new Result(steps.Length,
            Quantile(bbp, 0), Quantile(bbp, 0.5), Quantile(bbp, 1),
            mode, modeShare, weightedMode, Quantile(ratio, 0.5), Quantile(ratio, 1), nullP.Length == 0 ? double.NaN : nullP.Count(p => p < 0.05) / (double)nullP.Length,
            zeroLag, bestLag, bestR, edge, edgeR,
            Mean(dominant), Mean(atGap), Mean(sub), slope, dampingR)
        { KrylovThreshold = krylovThreshold ?? double.NaN, KrylovCalls = krylov.Calls, KrylovCountMedian = krylov.Median, KStarWithinKrylov = krylov.Within };
    }

    /// <summary>Test 3 (Prop. 5.5, reconstructed): k* ≤ #{λ_i(H) &gt; τ}, τ = 1/(η·W·s) — a Hessian direction moves the
    /// trajectory visibly within the window's W·s steps only when (1 − ηλ)^{W·s} is far from 1. The count is of the
    /// recorded top Ritz values above τ (a lower bound of the eigenvalue count, by interlacing); each window is paired
    /// with the latest curvature call at or before its step.</summary>
    static (int Calls, double Median, double Within) Krylov(Func<string, IReadOnlyList<(long Step, double Value)>> series,
        Dictionary<long, double> kStar, double? threshold)
    {
        if (threshold is not double tau || !(tau > 0)) return (0, double.NaN, double.NaN);
        var ritz = Indexed(series, PhaseScope.Monitoring.Probes.CurvatureMetrics.RitzPrefix);
        if (ritz.Count == 0) return (0, double.NaN, double.NaN);
        var counts = ritz[0].Keys.Order().Select(step => (step, Count: ritz.Count(r => r.TryGetValue(step, out var v) && v > tau))).ToList();
        var sorted = counts.Select(c => (double)c.Count).Order().ToArray();
        int within = 0, paired = 0;
        foreach (var (step, k) in kStar)
        {
            var before = counts.LastOrDefault(c => c.step <= step);
            if (before.step == 0 && !counts.Any(c => c.step <= step)) continue;
            paired++;
            if (k <= before.Count) within++;
        }
        return (counts.Count, Quantile(sorted, 0.5), paired == 0 ? double.NaN : within / (double)paired);
    }

    static Dictionary<long, double> ByStep(IReadOnlyList<(long Step, double Value)> s) => StepAlignment.LastByStep(s);

    /// <summary>The numbered series PREFIX1, PREFIX2, … up to the first one not stored, each one value per step.</summary>
    static List<Dictionary<long, double>> Indexed(Func<string, IReadOnlyList<(long Step, double Value)>> series, string prefix)
    {
        var all = new List<Dictionary<long, double>>();
        for (int j = 1; series($"{prefix}{j}") is { Count: > 0 } s; j++) all.Add(ByStep(s));
        return all;
    }

    /// <summary>r at lag 0 and the best lag of x against y on their common steps (NaN with fewer than 3 + lag pairs).</summary>
    static (double ZeroLag, int BestLag, double BestR) Correlate(Dictionary<long, double> x, Dictionary<long, double> y)
    {
        var common = StepAlignment.CommonSteps(x, y);
        if (common.Length < 3) return (double.NaN, 0, double.NaN);
        var (byLag, best, r) = LaggedCorrelation.Compute(common.Select(s => x[s]).ToArray(), common.Select(s => y[s]).ToArray(), Math.Min(MaxLag, common.Length - 3));
        return (byLag.First(l => l.Lag == 0).R, best, r);
    }

    /// <summary>The most frequent value (the smallest on a tie) and its share; (0, NaN) for none.</summary>
    static (int Mode, double Share) Mode(IEnumerable<int> values)
    {
        var counts = values.GroupBy(v => v).Select(g => (g.Key, Count: g.Count())).ToList();
        if (counts.Count == 0) return (0, double.NaN);
        var top = counts.OrderByDescending(c => c.Count).ThenBy(c => c.Key).First();
        return (top.Key, top.Count / (double)counts.Sum(c => c.Count));
    }

    /// <summary>The verdict's type-7 quantile (<see cref="LeadTimeRoc.Quantile"/>), NaN for no values.</summary>
    static double Quantile(IReadOnlyList<double> values, double q) => values.Count == 0 ? double.NaN : LeadTimeRoc.Quantile(values.ToList(), q);

    static double Mean(List<double> v) => v.Count == 0 ? double.NaN : v.Average();

    /// <summary>Least-squares slope of y on x (NaN for fewer than 3 points or constant x).</summary>
    public static double Slope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count;
        if (n < 3) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); }
        return sxx > 0 ? sxy / sxx : double.NaN;
    }
}
