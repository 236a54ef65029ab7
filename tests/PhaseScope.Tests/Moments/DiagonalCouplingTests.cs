using PhaseScope.Moments;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Moments;

/// <summary>
/// The diagonal coupling C(K, K) = log Z(K,K) − log M(K) − log G(K) (seed 000, eq. 16) and the extremal partial, on
/// float32 CPU tensors (the one-pass host path) and float64 ones (the tensor path), against a float64 log-sum-exp
/// written here; also merged shards against the whole.
/// </summary>
public class DiagonalCouplingTests
{
    static double LogSum(IEnumerable<double> logs)
    {
        var v = logs.Where(x => !double.IsNegativeInfinity(x)).ToArray();
        if (v.Length == 0) return double.NegativeInfinity;
        double m = v.Max();
        return m + Math.Log(v.Sum(x => Math.Exp(x - m)));
    }

    /// <summary>C(K, K) from float64 copies of the values, element by element; M, G, Z are means (eq. 1, 12, 15), hence + log n.</summary>
    static double Reference(float[] t, float[] g, double k)
    {
        var a = t.Select(x => Math.Log(Math.Abs((double)x))).ToArray();
        var b = g.Select(x => Math.Log(Math.Abs((double)x))).ToArray();
        double lm = LogSum(a.Select(x => k * x)), lg = LogSum(b.Select(x => k * x)), lz = LogSum(a.Zip(b, (x, y) => k * (x + y)));
        return lz - lm - lg + Math.Log(t.Length);
    }

    static (float[] T, float[] G) Data(int n, int seed)
    {
        var rng = new Random(seed);
        var t = new float[n];
        var g = new float[n];
        for (int i = 0; i < n; i++)
        {
            // Magnitudes over 1e−30…1e30, zeros, and exact ties at the largest value.
            t[i] = (float)(Math.Pow(10, rng.NextDouble() * 60 - 30) * (rng.Next(2) * 2 - 1));
            g[i] = (float)(rng.NextDouble() * rng.NextDouble() - 0.3);
            if (i % 17 == 0) t[i] = 0;
            if (i % 23 == 0) g[i] = 0;
        }
        t[3] = t[9] = 2e30f;
        g[3] = g[9] = 0.7f; // both extremal sets hold indices 3 and 9
        return (t, g);
    }

    [Theory]
    [InlineData(50, 1)]
    [InlineData(3000, 2)]
    [InlineData(70000, 3)]
    public void DiagonalMatchesAFloat64ReferenceOnBothPaths(int n, int seed)
    {
        var (t, g) = Data(n, seed);
        double[] orders = [2, 4, 8, 16, 32];
        using var t32 = tensor(t);
        using var g32 = tensor(g);
        using var t64 = t32.to_type(ScalarType.Float64);
        using var g64 = g32.to_type(ScalarType.Float64);
        var host = DiagonalCoupling.Of(t32, g32, orders).Finish();
        var viaTensors = DiagonalCoupling.Of(t64, g64, orders).Finish();
        for (int i = 0; i < orders.Length; i++)
        {
            double expected = Reference(t, g, orders[i]);
            Assert.Equal(orders[i], host[i].Order);
            Assert.True(Math.Abs(host[i].Coupling - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"K={orders[i]} host {host[i].Coupling} vs {expected}");
            Assert.True(Math.Abs(viaTensors[i].Coupling - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"K={orders[i]} tensor {viaTensors[i].Coupling} vs {expected}");
        }
        // Merged halves equal the whole.
        int half = n / 2;
        var merged = DiagonalCoupling.Of(t32.narrow(0, 0, half), g32.narrow(0, 0, half), orders)
            .Merge(DiagonalCoupling.Of(t32.narrow(0, half, n - half), g32.narrow(0, half, n - half), orders)).Finish();
        for (int i = 0; i < orders.Length; i++) Assert.Equal(host[i].Coupling, merged[i].Coupling, 9);
    }

    [Fact]
    public void ExtremalHostPathCountsTiesNextValuesAndTheIntersection()
    {
        var (t, g) = Data(5000, 4);
        using var t32 = tensor(t);
        using var g32 = tensor(g);
        var x = ExtremalPartial.Of(t32, g32);
        var absT = t.Select(v => (double)Math.Abs(v)).ToArray();
        var absG = g.Select(v => (double)Math.Abs(v)).ToArray();
        double tMax = absT.Max(), gMax = absG.Max();
        Assert.Equal(tMax, x.ThetaMax);
        Assert.Equal(absT.Count(v => v == tMax), x.ThetaMultiplicity);
        Assert.Equal(absT.Where(v => v < tMax).Max(), x.ThetaNext);
        Assert.Equal(gMax, x.GradMax);
        Assert.Equal(absG.Count(v => v == gMax), x.GradMultiplicity);
        Assert.Equal(absG.Where(v => v < gMax).Max(), x.GradNext);
        Assert.Equal(Enumerable.Range(0, t.Length).Count(i => absT[i] == tMax && absG[i] == gMax), x.Intersection);
        Assert.Equal(2, x.Intersection);
        Assert.Equal(absT.Zip(absG, (a, b) => Math.Log(a) + Math.Log(b)).Max(), x.MaxLogProduct, 12);
        // The same partial from float64 tensors (the tensor path).
        using var t64 = t32.to_type(ScalarType.Float64);
        using var g64 = g32.to_type(ScalarType.Float64);
        var y = ExtremalPartial.Of(t64, g64);
        Assert.Equal(x with { MaxLogProduct = 0 }, y with { MaxLogProduct = 0 });
        Assert.Equal(x.MaxLogProduct, y.MaxLogProduct, 12);
    }

    [Fact]
    public void AllZeroGradientsAndNonFiniteValues()
    {
        using var t = tensor(new float[] { 1, -2, 0.5f, 0 });
        using var zero = zeros(4);
        var d = DiagonalCoupling.Of(t, zero, [2.0, 4.0]).Finish();
        // G(K) = 0: log G = −∞ and log Z = −∞, so C is undefined (NaN), on both paths.
        using var t64 = t.to_type(ScalarType.Float64);
        using var zero64 = zero.to_type(ScalarType.Float64);
        var d64 = DiagonalCoupling.Of(t64, zero64, [2.0, 4.0]).Finish();
        for (int i = 0; i < 2; i++) Assert.Equal(double.IsNaN(d64[i].Coupling), double.IsNaN(d[i].Coupling));
        using var bad = tensor(new float[] { 1, float.NaN, 0.5f, 0 });
        Assert.Throws<NonFiniteValuesException>(() => DiagonalCoupling.Of(t, bad, [2.0]));
        Assert.Throws<NonFiniteValuesException>(() => ExtremalPartial.Of(bad, t));
        using var inf = tensor(new float[] { 1, float.PositiveInfinity, 0.5f, 0 });
        Assert.Contains("θ", Assert.Throws<NonFiniteValuesException>(() => ExtremalPartial.Of(inf, t)).Message);
    }
}
