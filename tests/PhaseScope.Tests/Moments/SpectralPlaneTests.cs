using PhaseScope.Moments;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Moments;

public class SpectralPlaneTests
{
    /// <summary>Spearman's ρ with mid-ranks for ties, straight from its definition in float64 (the reference).</summary>
    static double ExactSpearman(double[] a, double[] b)
    {
        var ra = Ranks(a);
        var rb = Ranks(b);
        double ma = ra.Average(), mb = rb.Average(), cov = 0, va = 0, vb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            cov += (ra[i] - ma) * (rb[i] - mb);
            va += (ra[i] - ma) * (ra[i] - ma);
            vb += (rb[i] - mb) * (rb[i] - mb);
        }
        return cov / Math.Sqrt(va * vb);

        static double[] Ranks(double[] v) =>
            // Mid-rank of v[i]: (number strictly below) + (number equal + 1) / 2, counted directly (O(n²) on purpose).
            v.Select(x => v.Count(y => y < x) + (v.Count(y => y == x) + 1) / 2.0).ToArray();
    }

    [Theory]
    [InlineData(40, 1)] [InlineData(600, 2)] [InlineData(2500, 3)]
    public void SpearmanIsExactWhenDistinctValuesFallInDistinctCells(int n, int seed)
    {
        // Magnitudes on the lattice 2^(i/4): neighbours are ln2/4 ≈ 0.17 apart in log, wider than a cell (1/32),
        // so cells separate distinct values and ρ at cell resolution is ρ itself — ties and zeros included.
        var r = new Random(seed);
        // Lattice exponents (null = an exact zero); values are made from exponents only, so equal exponents give bit-equal values.
        int? Index() => r.Next(10) == 0 ? null : r.Next(-40, 40);
        double Value(int? i) => i is int k ? (r.Next(2) == 0 ? -1 : 1) * Math.Pow(2, k / 4.0) : 0;
        var ti = Enumerable.Range(0, n).Select(_ => Index()).ToArray();
        // g correlated with θ through a shifted exponent, plus independent draws.
        var gi = ti.Select(i => r.Next(3) == 0 || i is null ? Index() : i + r.Next(-2, 3)).ToArray();
        var t = ti.Select(Value).ToArray();
        var g = gi.Select(Value).ToArray();
        var plane = SpectralPlanePartial.Of(tensor(t), tensor(g));
        double expected = ExactSpearman(t.Select(Math.Abs).ToArray(), g.Select(Math.Abs).ToArray());
        Assert.Equal(expected, plane.Spearman(), 10);
        Assert.Equal(n, plane.Cells.Values.Sum());
    }

    [Theory]
    [InlineData(ScalarType.Float32, 0.9)] [InlineData(ScalarType.Float64, 0.0)] [InlineData(ScalarType.Float32, -0.6)]
    public void SpearmanOfContinuousDataIsCloseToTheExactValue(ScalarType dtype, double correlation)
    {
        // Gaussian pairs: a cell is 3 % wide in magnitude, so only pairs inside one cell lose their order; with
        // n = 3000 spread over ~200 cells per axis that moves ρ by far less than 0.01.
        var gen = new Random(7);
        double N() => Math.Sqrt(-2 * Math.Log(1 - gen.NextDouble())) * Math.Cos(2 * Math.PI * gen.NextDouble());
        var t = Enumerable.Range(0, 3000).Select(_ => N()).ToArray();
        var g = t.Select(x => correlation * Math.Abs(x) + Math.Sqrt(1 - correlation * correlation) * N()).ToArray();
        var tt = tensor(t).to_type(dtype);
        var gg = tensor(g).to_type(dtype);
        double expected = ExactSpearman(tt.to_type(ScalarType.Float64).abs().data<double>().ToArray(), gg.to_type(ScalarType.Float64).abs().data<double>().ToArray());
        Assert.InRange(SpectralPlanePartial.Of(tt, gg).Spearman() - expected, -0.01, 0.01);
    }

    [Fact]
    public void MergedShardsGiveTheCellsOfTheWhole()
    {
        var r = new Random(3);
        var t = Enumerable.Range(0, 5000).Select(i => i % 17 == 0 ? 0 : (r.NextDouble() - 0.5) * Math.Exp(60 * (r.NextDouble() - 0.5))).ToArray();
        var g = Enumerable.Range(0, 5000).Select(i => i % 13 == 0 ? 0 : (r.NextDouble() - 0.5) * Math.Exp(60 * (r.NextDouble() - 0.5))).ToArray();
        var whole = SpectralPlanePartial.Of(tensor(t), tensor(g));
        var merged = SpectralPlanePartial.Of(tensor(t[..1234]), tensor(g[..1234]))
            .Merge(SpectralPlanePartial.Of(tensor(t[1234..4000]), tensor(g[1234..4000])))
            .Merge(SpectralPlanePartial.Of(tensor(t[4000..]), tensor(g[4000..])));
        Assert.Equal(whole.Count, merged.Count);
        Assert.Equal(whole.Cells.OrderBy(c => c.Key).ToArray(), merged.Cells.OrderBy(c => c.Key).ToArray());
        Assert.Equal(t.Count(x => x == 0), whole.Cells.Where(c => c.Key.Theta == SpectralPlanePartial.Zero).Sum(c => c.Value));
        Assert.Equal(whole.Spearman(), merged.Spearman(), 12);
    }

    [Fact]
    public void WideRangesFallBackFromTheDenseCount()
    {
        // 1e-300 … 1e300 spans ~1400 nats = 44,000 cells per axis: the dense index would need 2e9 counters.
        var t = new[] { 1e-300, 1e300, 1.0, 1e-300, 0.0 };
        var g = new[] { 1e300, 1e-300, 1.0, 1e300, 5.0 };
        var p = SpectralPlanePartial.Of(tensor(t), tensor(g));
        Assert.Equal(4, p.Cells.Count);
        Assert.Equal(2, p.Cells[((int)Math.Floor(Math.Log(1e-300) * 32), (int)Math.Floor(Math.Log(1e300) * 32))]);
        Assert.Equal(ExactSpearman(t, g), p.Spearman(), 12);
    }

    [Fact]
    public void DisplayCellsMatchTheDecayRatesUpToHalfAFineCell()
    {
        var r = new Random(11);
        var t = Enumerable.Range(0, 4000).Select(_ => (r.NextDouble() - 0.5) * Math.Exp(6 * r.NextDouble())).ToArray();
        var g = Enumerable.Range(0, 4000).Select(_ => (r.NextDouble() - 0.5) * Math.Exp(6 * r.NextDouble())).ToArray();
        g[5] = 0;
        var (tt, gg) = (tensor(t), tensor(g));
        var x = ExtremalPartial.Of(tt, gg).Finish();
        var plane = SpectralPlanePartial.Of(tt, gg).Finish(x, displayWidth: 0.5);
        double beta = Math.Log(t.Max(Math.Abs)), betaG = Math.Log(g.Max(Math.Abs)), h = SpectralPlanePartial.DefaultBinWidth;
        var lam = t.Select(v => beta - Math.Log(Math.Abs(v))).ToArray();
        var mu = g.Select(v => betaG - Math.Log(Math.Abs(v))).ToArray();
        // The origin cell [0, 0.5)²: every pair well inside is counted, no pair well outside is.
        int inner = Enumerable.Range(0, t.Length).Count(i => lam[i] < 0.5 - h && mu[i] < 0.5 - h);
        int outer = Enumerable.Range(0, t.Length).Count(i => lam[i] < 0.5 + h && mu[i] < 0.5 + h);
        long origin = plane.Cells.Where(c => c.Lambda == 0 && c.Mu == 0).Sum(c => c.Count);
        Assert.InRange(origin, inner, outer);
        Assert.True(inner > 0);
        Assert.Equal(1, plane.ZeroGrad);
        Assert.Equal(t.Length - 1, plane.Cells.Sum(c => c.Count));
    }

    [Fact]
    public void NonFiniteAndMismatchedInputsAreClearErrors()
    {
        Assert.Throws<NonFiniteValuesException>(() => SpectralPlanePartial.Of(tensor(new[] { 1.0, double.NaN }), tensor(new[] { 1.0, 2.0 })));
        Assert.Throws<NonFiniteValuesException>(() => SpectralPlanePartial.Of(tensor(new[] { 1.0, 2.0 }), tensor(new[] { double.NegativeInfinity, 2.0 })));
        Assert.Throws<ArgumentException>(() => SpectralPlanePartial.Of(tensor(new[] { 1.0 }), tensor(new[] { 1.0, 2.0 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpectralPlanePartial.Of(tensor(new[] { 1.0 }), tensor(new[] { 1.0 }), 0));
        Assert.Throws<NonFiniteValuesException>(() => RankSamplePartial.Of(tensor(new[] { 1.0, double.PositiveInfinity }), tensor(new[] { 1.0, 2.0 }), 10, 1));
    }

    [Fact]
    public void MidRanksFollowTheirDefinition()
    {
        Assert.Equal([3.5 / 4, 1 / 4.0, 3.5 / 4, 2 / 4.0], RankSamplePartial.NormalisedMidRanks([3, 1, 3, 2]));
    }

    [Fact]
    public void RankSampleIsReproducibleBoundedAndUniformAcrossShards()
    {
        var t1 = tensor(Enumerable.Range(0, 300).Select(i => (double)i + 1).ToArray());
        var t2 = tensor(Enumerable.Range(0, 700).Select(i => -(double)i - 1000).ToArray());
        RankSample Draw(ulong seed) =>
            RankSamplePartial.Of(t1, t1, 100, RankSamplePartial.ShardSeed("a", seed))
                .Merge(RankSamplePartial.Of(t2, t2, 100, RankSamplePartial.ShardSeed("b", seed))).Finish();
        var first = Draw(42);
        Assert.Equal(100, first.Points.Length);
        Assert.Equal(1000, first.Population);
        Assert.Equal(first.Points, Draw(42).Points);
        Assert.Equal(100, first.Points.Select(p => p.Theta).Distinct().Count());
        // θ = g here, so ranks agree exactly.
        Assert.All(first.Points, p => Assert.Equal(p.ThetaRank, p.GradRank));
        // Uniform over the union: the small shard holds 30 % of the pairs, so E[share] = 0.3 per draw;
        // the mean of 200 draws has standard error ≈ 0.0033 (hypergeometric), so ±0.02 is > 6σ.
        double share = Enumerable.Range(0, 200).Average(s => Draw((ulong)s).Points.Count(p => p.Theta < 1000) / 100.0);
        Assert.InRange(share, 0.28, 0.32);
    }
}
