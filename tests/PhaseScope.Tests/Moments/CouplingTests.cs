using PhaseScope.Moments;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Moments;

public class CouplingTests
{
    static double Pow(double x, double k) => k == 0 ? 1 : Math.Pow(x, k); // 0⁰ = 1 (seed 000, eq. 1)

    static double LogMean(IEnumerable<double> v) => Math.Log(v.Average());

    [Fact]
    public void LogMomentsAndCouplingMatchClosedFormsWithZeros()
    {
        double[] th = [0, 1, 2, 2], gr = [3, 0, 1, 3];
        double[] orders = [0, 1, 2.5, 200];
        var s = CouplingPartial.Of(tensor(th), tensor(gr), orders, orders).Finish();
        for (int i = 0; i < orders.Length; i++)
        {
            double k = orders[i];
            Assert.Equal(LogMean(th.Select(t => Pow(t, k))), s.LogM[i], 1e-12);
            Assert.Equal(LogMean(gr.Select(g => Pow(g, k))), s.LogG[i], 1e-12);
            for (int j = 0; j < orders.Length; j++)
            {
                double l = orders[j];
                double logZ = LogMean(th.Zip(gr, (t, g) => Pow(t, k) * Pow(g, l)));
                Assert.Equal(logZ, s.LogZ[i, j], 1e-10);
                Assert.Equal(logZ - LogMean(th.Select(t => Pow(t, k))) - LogMean(gr.Select(g => Pow(g, l))), s.Coupling(i, j), 1e-10);
            }
        }
        Assert.Equal(0.0, s.Coupling(0, 0)); // exactly (docs/MATH.md "C(0,0) = 0": not "log n")
        Assert.Equal(0.0, s.LogM[0]);
    }

    [Fact]
    public void OrderedSetsConvergeToTheTopologicalConstant()
    {
        // J_max = {2, 3}, I_max = {0, 3}: m = 2, m_g = 2, m∩ = 1, so C → log(n m∩/(m m_g)) = log(4/4) = 0 (Thm 4.7 i).
        var theta = tensor(new double[] { 0, 1, 2, 2 });
        var grad = tensor(new double[] { 3, 0, 1, 3 });
        var x = ExtremalPartial.Of(theta, grad).Finish();
        Assert.Equal((2L, 2L, 1L), (x.Multiplicity, x.GradMultiplicity, x.Intersection));
        Assert.Equal(Math.Log(2), x.Beta, 15);
        Assert.Equal(Math.Log(0.5), x.RStar, 15);
        Assert.Equal(Math.Log(3), x.BetaGrad, 15);
        Assert.Equal(0.0, x.D0);
        Assert.Equal(0.0, x.TopologicalConstant, 15);
        // The corrections of Thm 4.9 at k = l = 200 are below e^(−200·log 2) ≈ 6e−61.
        var s = CouplingPartial.Of(theta, grad, [200.0], [200.0]).Finish();
        Assert.Equal(x.TopologicalConstant, s.Coupling(0, 0), 12);
    }

    [Fact]
    public void DisjointExtremaDivergeAtRateD0()
    {
        // θ = [2, 1], g = [1, 3]: J = {0}, I = {1}, m∩ = 0; d₀ = log(2·3) − max(log 2, log 3) = log 2.
        var theta = tensor(new double[] { 2, 1 });
        var grad = tensor(new double[] { 1, 3 });
        var x = ExtremalPartial.Of(theta, grad).Finish();
        Assert.Equal(0, x.Intersection);
        Assert.Equal(Math.Log(2), x.D0, 15);
        Assert.Equal(double.NegativeInfinity, x.TopologicalConstant);

        const double k = 200;
        var s = CouplingPartial.Of(theta, grad, [k], [k]).Finish();
        double expected = Math.Log((Math.Pow(2, k) + Math.Pow(3, k)) / 2) - Math.Log((Math.Pow(2, k) + 1) / 2) - Math.Log((1 + Math.Pow(3, k)) / 2);
        Assert.Equal(expected, s.Coupling(0, 0), 9);
        Assert.Equal(-x.D0, s.Coupling(0, 0) / k, 2); // C(k,k)/k → −d₀ (Thm 6.3, disordered)
        Assert.Equal(-expected / Math.Log(k), s.ContactQuality(k), 9);
    }

    [Fact]
    public void CouplingRespectsTheCauchySchwarzBound()
    {
        manual_seed(3);
        var theta = randn(500);
        var grad = randn(500) * theta.abs().sqrt(); // correlated magnitudes
        double[] orders = [0, 0.5, 1, 2, 3, 4, 6];
        var s = CouplingPartial.Of(theta, grad, orders, orders).Finish();
        // C(k,l) ≤ A(k) + B(l), A(k) = ½ log M(2k) − log M(k) (Thm 4.3, eq. 17–19), for 2k and 2l on the grid.
        foreach (var (k, i2) in new[] { (0.0, 0), (1.0, 3), (2.0, 5), (3.0, 6) })
            foreach (var (l, j2) in new[] { (0.0, 0), (1.0, 3), (2.0, 5), (3.0, 6) })
            {
                int i = Array.IndexOf(orders, k), j = Array.IndexOf(orders, l);
                double bound = 0.5 * s.LogM[i2] - s.LogM[i] + 0.5 * s.LogG[j2] - s.LogG[j];
                Assert.True(s.Coupling(i, j) <= bound + 1e-12, $"C({k},{l}) = {s.Coupling(i, j)} > {bound}");
            }
    }

    [Fact]
    public void PartialsMergeExactlyAcrossShards()
    {
        manual_seed(11);
        var theta = randn(1000, dtype: ScalarType.Float64);
        var grad = randn(1000, dtype: ScalarType.Float64);
        double[] orders = [0, 1, 2, 8, 32];
        var before = theta.clone();
        var whole = CouplingPartial.Of(theta, grad, orders, orders).Finish();
        Assert.Equal(before.bytes.ToArray(), theta.bytes.ToArray()); // inputs are never modified
        CouplingPartial Shard(long start, long length) =>
            CouplingPartial.Of(theta.narrow(0, start, length), grad.narrow(0, start, length), orders, orders);
        var merged = Shard(0, 300).Merge(Shard(300, 350)).Merge(Shard(650, 350)).Finish();
        for (int i = 0; i < orders.Length; i++)
        {
            Assert.Equal(whole.LogM[i], merged.LogM[i], 12);
            for (int j = 0; j < orders.Length; j++) Assert.Equal(whole.Coupling(i, j), merged.Coupling(i, j), 10);
        }
        Assert.Equal(ExtremalPartial.Of(theta, grad),
            ExtremalPartial.Of(theta.narrow(0, 0, 300), grad.narrow(0, 0, 300)).Merge(ExtremalPartial.Of(theta.narrow(0, 300, 700), grad.narrow(0, 300, 700))));
    }

    [Theory]
    [InlineData(37)]          // shorter than two vectors: mostly the scalar tail
    [InlineData(2_500_003)]   // several parallel chunks, a ragged tail
    public void TheHostPassOfFloat32CpuTensorsMatchesTheTensorPath(int n)
    {
        // ties at both maxima (some at the same index), exact and negative zeros, next values just below the maxima
        var r = new Random(n);
        var t = new float[n];
        var g = new float[n];
        for (int i = 0; i < n; i++)
        {
            t[i] = (float)(r.NextDouble() * 2 - 1);
            g[i] = (float)(r.NextDouble() * 2 - 1) * 1e-3f;
            if (i % 7 == 0) t[i] = -0f;
            if (i % 11 == 0) g[i] = 0f;
        }
        foreach (int i in new[] { 3, n / 2, n - 1 }) { t[i] = i % 2 == 0 ? 1.5f : -1.5f; g[i] = -2e-3f; }
        t[10] = 1.5f;             // a maximum of θ whose gradient is not maximal: m∩ counts three of the four
        t[n / 3] = 1.4999999f;
        g[n / 5] = 2e-3f;
        var host = ExtremalPartial.Of(tensor(t), tensor(g));                                              // float32 CPU: the host pass
        var reference = ExtremalPartial.Of(tensor(t).to_type(ScalarType.Float64), tensor(g).to_type(ScalarType.Float64)); // float64: tensor ops
        Assert.Equal(reference, host);
        Assert.Equal((4L, 4L, 3L), (host.ThetaMultiplicity, host.GradMultiplicity, host.Intersection));
    }

    [Fact]
    public void IntersectionCountsTiesAcrossShards()
    {
        // Whole set: J = {0, 2}, I = {0, 2}: m∩ = 2; each shard alone sees one of them.
        var a = ExtremalPartial.Of(tensor(new double[] { 5, 1 }), tensor(new double[] { 7, 0 }));
        var b = ExtremalPartial.Of(tensor(new double[] { 5, 2 }), tensor(new double[] { 7, 1 }));
        var c = ExtremalPartial.Of(tensor(new double[] { 4 }), tensor(new double[] { 9 })); // raises g_max: no index is in both sets
        Assert.Equal(2, a.Merge(b).Finish().Intersection);
        Assert.Equal(0, a.Merge(b).Merge(c).Finish().Intersection);
        Assert.Equal(1, a.Merge(b).Merge(c).Finish().GradMultiplicity);
    }

    [Fact]
    public void BadInputIsRejectedBeforeReachingLibtorch()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CouplingPartial.Of(ones(3), ones(3), [-1.0], [1.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CouplingPartial.Of(ones(3), ones(3), [1.0], [double.NaN]));
        Assert.Contains("3 elements", Assert.Throws<ArgumentException>(() => CouplingPartial.Of(ones(3), ones(4), [1.0], [1.0])).Message);
    }
}
