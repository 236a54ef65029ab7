using PhaseScope.Moments;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Moments;

public class TheoremTests
{
    static readonly double[] Orders = [0, 1, 2.5, 4, 8, 16, 32];

    /// <summary>Random θ, g of size n with the largest |θ| and largest |g| placed at index 0 (m∩ ≥ 1) when <paramref name="ordered"/>.</summary>
    static (Tensor T, Tensor G) Pair(int n, int seed, bool ordered)
    {
        var r = new Random(seed);
        var t = Enumerable.Range(0, n).Select(_ => (r.NextDouble() - 0.5) * Math.Exp(4 * r.NextDouble())).ToArray();
        var g = Enumerable.Range(0, n).Select(_ => (r.NextDouble() - 0.5) * Math.Exp(4 * r.NextDouble())).ToArray();
        if (ordered) { t[0] = 2 * t.Max(Math.Abs); g[0] = -2 * g.Max(Math.Abs); }
        return (tensor(t), tensor(g));
    }

    [Theory]
    [InlineData(2, 1)] [InlineData(10, 2)] [InlineData(500, 3)] [InlineData(4000, 4)]
    public void CauchySchwarzBoundHolds(int n, int seed)
    {
        // Thm 4.3: C(k,l) ≤ A(k) + B(l) with A(k) = ½ log M(2k) − log M(k) — an inequality, so any violation is a bug.
        var (t, g) = Pair(n, seed, ordered: false);
        var s = CouplingPartial.Of(t, g, Orders, Orders).Finish();
        var twice = CouplingPartial.Of(t, g, Orders.Select(o => 2 * o).ToArray(), Orders.Select(o => 2 * o).ToArray()).Finish();
        Assert.True(CouplingTheorems.UpperBoundExcess(s, twice.LogM, twice.LogG) <= 1e-12);
    }

    [Theory]
    [InlineData(3, 1)] [InlineData(50, 2)] [InlineData(2000, 3)]
    public void SpectralRepresentationIsAnIdentityAndEq41Bounds(int n, int seed)
    {
        // Thm 4.9 (eq. 24) from decay rates alone equals C from Z, M, G; eq. 41 bounds C from below (m∩ ≥ 1).
        var (t, g) = Pair(n, seed, ordered: true);
        var x = ExtremalPartial.Of(t, g).Finish();
        Assert.True(x.Intersection >= 1);
        var s = CouplingPartial.Of(t, g, Orders, Orders).Finish();
        var pairs = Orders.SelectMany(k => Orders.Select(l => (k, l))).ToList();
        var rhs = CouplingTheorems.SpectralRepresentation([(t, g)], x, pairs);
        for (int p = 0; p < pairs.Count; p++)
        {
            int i = Array.IndexOf(Orders, pairs[p].k), j = Array.IndexOf(Orders, pairs[p].l);
            Assert.Equal(s.Coupling(i, j), rhs[p], 1e-9);
            Assert.True(s.Coupling(i, j) >= CouplingTheorems.LowerBound(x, pairs[p].k, pairs[p].l) - 1e-9);
        }
        // At k = l = 0 eq. 41 reduces to log(m∩/n) (the seed's remark; C(0,0) = 0 ≥ it).
        Assert.Equal(Math.Log((double)x.Intersection / n), CouplingTheorems.LowerBound(x, 0, 0), 9);
    }

    [Fact]
    public void UnilateralLimitsAreReachedAtLargeOrders()
    {
        // θ = [3, 1, 2, 0.5], g = [1, 4, 2, 0.25]: J_max = {0}, I_max = {1}; Thm 4.6 (i) lim_l C(k,l) = log(|θ_1|^k) − log M(k) = −log M(k) (θ_1 = 1).
        var t = tensor(new double[] { 3, 1, 2, 0.5 });
        var g = tensor(new double[] { 1, 4, 2, 0.25 });
        var x = ExtremalPartial.Of(t, g).Finish();
        double[] ks = [1, 2, 3], big = [400];
        var s = CouplingPartial.Of(t, g, ks, ks).Finish();
        var (inL, inK) = CouplingTheorems.UnilateralLimits([(t, g)], x, s);
        for (int i = 0; i < ks.Length; i++)
        {
            double logM = Math.Log((Math.Pow(3, ks[i]) + 1 + Math.Pow(2, ks[i]) + Math.Pow(0.5, ks[i])) / 4);
            Assert.Equal(-logM, inL[i], 12);
            // (ii) lim_k C(k,l) = log(|g_0|^l) − log G(l) = −log G(l) (g_0 = 1).
            double logG = Math.Log((1 + Math.Pow(4, ks[i]) + Math.Pow(2, ks[i]) + Math.Pow(0.25, ks[i])) / 4);
            Assert.Equal(-logG, inK[i], 12);
            var far = CouplingPartial.Of(t, g, [ks[i]], big).Finish();
            Assert.Equal(inL[i], far.Coupling(0, 0), 9); // the corrections at l = 400 are below (2/4)^400
        }
    }

    [Fact]
    public void NextValuesAndGapsMergeExactly()
    {
        var (t, g) = Pair(3000, 9, ordered: false);
        var whole = ExtremalPartial.Of(t, g).Finish();
        var parts = ExtremalPartial.Of(t.narrow(0, 0, 700), g.narrow(0, 0, 700)).Merge(ExtremalPartial.Of(t.narrow(0, 700, 2300), g.narrow(0, 700, 2300))).Finish();
        Assert.Equal(whole, parts);
        var sorted = t.abs().data<double>().OrderByDescending(v => v).ToArray();
        Assert.Equal(Math.Log(sorted[0] / sorted[1]), whole.ThetaGap, 12);
        // All values equal: no next value, an infinite gap (eq. 21 fails only by ties, not by a finite gap).
        var flat = ExtremalPartial.Of(tensor(new double[] { 2, -2, 2 }), tensor(new double[] { 1, 1, 0.5 })).Finish();
        Assert.True(double.IsPositiveInfinity(flat.ThetaGap));
        Assert.Equal(Math.Log(2), flat.GradGap, 12);
    }

    [Fact]
    public void ToleranceSetsAndRegularityMatchCounts()
    {
        // |θ| = 1, 0.999, 0.5; |g| = 0.9995, 1, 0 with τ = 0.002: J = {0, 1}, I = {0, 1}, m∩ = 2.
        var t = tensor(new double[] { 1, -0.999, 0.5 });
        var g = tensor(new double[] { 0.9995, 1, 0 });
        var ts = ToleranceSets.Of(t, g, 1, 1, 0.002);
        Assert.Equal(new ToleranceSets(2, 2, 2), ts);
        Assert.Equal(new ToleranceSets(1, 1, 0), ToleranceSets.Of(t, g, 1, 1, 0));
        var x = ExtremalPartial.Of(t, g).Finish();
        var reg = GradientRegularity.From(GradientRegularity.Partial.Of(g), x);
        Assert.Equal(1 / 0.9995, reg.GapRatio, 12);
        Assert.True(reg.GapHolds);
        Assert.False(reg.LogIntegrable); // an exact zero: E[log(g_max/|g|)] = ∞ (appendix C.3)
        Assert.Equal(1.0 / 3, reg.ZeroFraction, 15);
        Assert.Equal((0 - Math.Log(0.9995) + 0) / 2, reg.MeanLogDecay, 12);
        // Effective multiplicity → m as k → ∞ (Thm 2.3): at k = 2000, 0.999^2000 = 0.135 still counts.
        var s = CouplingPartial.Of(t, t, [2000.0], [0.0]).Finish();
        Assert.Equal(1 + Math.Pow(0.999, 2000) + Math.Pow(0.5, 2000), ToleranceSets.EffectiveMultiplicity(3, s.LogM[0], 2000, x.Beta), 9);
        Assert.Equal(4.0, GradientRegularity.FirstMonotonicityViolation([1, 2, 4], [1.0, 2.2, 4.0]));
        Assert.Null(GradientRegularity.FirstMonotonicityViolation([1, 2, 4], [1.0, 2.2, 4.8]));
    }

    [Fact]
    public void BiExponentialFitRecoversPlantedModesAndRefusesOne()
    {
        // θ: one maximum 1 (m = 1), 30 values at e^(−0.05) and 2000 at e^(−0.6): by eq. 7, Δ(k) = log(1 + 30e^(−0.05k) + 2000e^(−0.6k)) exactly.
        var values = new List<double> { 1 };
        values.AddRange(Enumerable.Repeat(Math.Exp(-0.05), 30));
        values.AddRange(Enumerable.Repeat(Math.Exp(-0.6), 2000));
        var t = tensor(values.ToArray());
        var orders = Enumerable.Range(1, 40).Select(i => 2.0 * i).ToArray();
        var s = CouplingPartial.Of(t, t, orders, [0.0]).Finish();
        var x = ExtremalPartial.Of(t, null).Finish();
        var residual = orders.Select((k, i) => s.LogM[i] - x.Beta * k - x.RStar).ToArray();
        var fit = BiExponentialFit.Fit(orders, residual);
        Assert.True(fit.Fitted, fit.Reason);
        Assert.Equal(30, fit.A1, 30 * 1e-3);
        Assert.Equal(0.05, fit.Lambda1, 1e-5);
        Assert.Equal(2000, fit.A2, 2000 * 1e-2);
        Assert.Equal(0.6, fit.Lambda2, 1e-3);
        // One mode only: the second mode does not earn its parameters.
        var one = orders.Select(k => Math.Log(1 + 30 * Math.Exp(-0.05 * k))).ToArray();
        Assert.False(BiExponentialFit.Fit(orders, one).Fitted);
        Assert.False(BiExponentialFit.Fit(orders.Take(4).ToArray(), residual.Take(4).ToArray()).Fitted);
    }

    [Fact]
    public void PhaseReadingClassifies()
    {
        // Ordered: shared maximum index. Disordered: θ = [2, 1], g = [1, 3]: d₀ = log 2 ≥ 2 log 50 / 50.
        var ordered = PhaseReading.Of([tensor(new double[] { 2, 1, 0.5 })], [tensor(new double[] { 3, 1, 2 })]);
        Assert.Equal(MomentsPhase.Ordered, ordered.Phase);
        var disordered = PhaseReading.Of([tensor(new double[] { 2, 1 })], [tensor(new double[] { 1, 3 })]);
        Assert.Equal(MomentsPhase.Disordered, disordered.Phase);
        Assert.Equal(Math.Log(2), disordered.D0, 12);
        // Quasi-ordered: the maxima nearly coincide, d₀ = log(1.01) < 0.156.
        var quasi = PhaseReading.Of([tensor(new double[] { 2, 1.98 })], [tensor(new double[] { 2.97, 3 })]);
        Assert.Equal(MomentsPhase.QuasiOrdered, quasi.Phase);
        // Q̂_α(K) = −C(K,K)/log K, with C(K,K) for two elements in closed form.
        double K = 50, c = Math.Log((Math.Pow(2 * 2.97, K) + Math.Pow(1.98 * 3, K)) / 2) - Math.Log((Math.Pow(2, K) + Math.Pow(1.98, K)) / 2) - Math.Log((Math.Pow(2.97, K) + Math.Pow(3, K)) / 2);
        Assert.Equal(-c / Math.Log(K), quasi.QAlpha, 9);
    }
}
