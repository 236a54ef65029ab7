using PhaseScope.Moments.Fast;
using PhaseScope.Moments;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Moments;

public class SummaryPassTests
{
    static readonly double[] Orders = [2, 4, 8, 16, 32];

    /// <summary>log Σ x_i^K in float64, scaled by the largest x (independent of the pass: Math.Pow, one global maximum).</summary>
    static double LogPowerSum(IReadOnlyList<double> x, int order)
    {
        double max = x.Max();
        if (max == 0) return double.NegativeInfinity;
        double sum = 0;
        foreach (var v in x) sum += Math.Pow(v / max, order);
        return Math.Log(sum) + order * Math.Log(max);
    }

    /// <summary>
    /// θ and g with ties at both maxima in different chunks (one index where both are maximal), exact and negative
    /// zeros, a chunk of θ a thousand times smaller and a chunk of g a thousand times larger than the rest (so the
    /// chunks' own maxima differ from the shard's by 2⁻¹⁰ and 2¹⁰), and an all-zero chunk of g.
    /// </summary>
    static (float[] T, float[] G) Data(int n)
    {
        var r = new Random(n);
        var t = new float[n];
        var g = new float[n];
        const int chunk = PhaseScope.Runtime.HostFloat32.ChunkElements;
        for (int i = 0; i < n; i++)
        {
            t[i] = (float)(r.NextDouble() * 2 - 1);
            g[i] = (float)(r.NextDouble() * 2 - 1) * 1e-3f;
            if (i / chunk == 1) t[i] *= 1e-3f;
            if (i / chunk == 2) g[i] *= 1e3f;
            if (i / chunk == 3) g[i] = 0;
            if (i % 7 == 0) t[i] = -0f;
            if (i % 11 == 0) g[i] = 0f;
        }
        foreach (int i in new[] { 5, n / 2 + 1, n - 2 }) t[i] = i % 2 == 0 ? 1.25f : -1.25f;
        g[n - 2] = n > 2 * chunk ? -3f : -2e-3f;   // both maximal at n − 2
        if (n > 2 * chunk) g[2 * chunk + 9] = 3f;  // a tie of g's maximum in another chunk
        return (t, g);
    }

    [Theory]
    [InlineData(37)]        // one chunk, mostly the scalar tail
    [InlineData(300_007)]   // five chunks (run in parallel), chunk maxima far from the shard's, a ragged tail
    public void OneReadMatchesFloat64References(int n)
    {
        var (t, g) = Data(n);
        var summary = SummaryPass.Of([(tensor(t), tensor(g))], Orders);
        Assert.NotNull(summary);
        var (extremal, logM, logG, logZ) = summary.Value;

        // The extremal partial against the float64 tensor path.
        var reference = ExtremalPartial.Of(tensor(t).to_type(ScalarType.Float64), tensor(g).to_type(ScalarType.Float64));
        Assert.Equal(reference with { MaxLogProduct = 0 }, extremal with { MaxLogProduct = 0 });
        Assert.Equal(reference.MaxLogProduct, extremal.MaxLogProduct, 12);

        // The power sums against a direct float64 sum of Math.Pow.
        var a = t.Select(v => Math.Abs((double)v)).ToArray();
        var b = g.Select(v => Math.Abs((double)v)).ToArray();
        var ab = a.Zip(b, (x, y) => x * y).ToArray();
        for (int k = 0; k < Orders.Length; k++)
        {
            int order = (int)Orders[k];
            Assert.Equal(LogPowerSum(a, order), logM[k], 1e-11 * Math.Max(1, Math.Abs(logM[k])));
            Assert.Equal(LogPowerSum(b, order), logG[k], 1e-11 * Math.Max(1, Math.Abs(logG[k])));
            Assert.Equal(LogPowerSum(ab, order), logZ[k], 1e-11 * Math.Max(1, Math.Abs(logZ[k])));
        }

        // Through the probe's entry point, C(K, K) equals the float64 log-sum-exp tensor path's.
        var (e, d) = DiagonalCoupling.WithExtremal(tensor(t), tensor(g), Orders);
        Assert.Equal(extremal, e);
        var exact = DiagonalCoupling.Of(tensor(t).to_type(ScalarType.Float64), tensor(g).to_type(ScalarType.Float64), Orders).Finish();
        foreach (var ((k, c), (k2, c2)) in d.Finish().Zip(exact))
        {
            Assert.Equal(k2, k);
            Assert.Equal(c2, c, 1e-9);
        }
    }

    [Theory]
    [InlineData(false, float.NaN, "θ")]
    [InlineData(true, float.PositiveInfinity, "g")]
    [InlineData(true, float.NegativeInfinity, "g")]
    public void NonFiniteValuesInALateChunkAreReportedAndNamed(bool inGradient, float bad, string named)
    {
        var (t, g) = Data(300_007);
        (inGradient ? g : t)[300_000] = bad;
        var error = Assert.Throws<NonFiniteValuesException>(() => SummaryPass.Of([(tensor(t), tensor(g))], Orders));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void OtherOrdersAndTensorsTakeTheGeneralPath()
    {
        var (t, g) = Data(100);
        Assert.Null(SummaryPass.Of([(tensor(t), tensor(g))], [2.0, 4, 6]));                 // not doubling
        Assert.Null(SummaryPass.Of([(tensor(t), tensor(g))], [1.0, 2, 4, 8, 16, 32]));      // six levels
        Assert.Null(SummaryPass.Of([(tensor(t), tensor(g))], [0.5, 1]));                    // not an integer
        Assert.Null(SummaryPass.Of([(tensor(t).to_type(ScalarType.Float64), tensor(g).to_type(ScalarType.Float64))], Orders));
        Assert.Null(SummaryPass.Of([(tensor(t).reshape(10, 10).t(), tensor(g).reshape(10, 10))], Orders)); // not contiguous
        Assert.Null(SummaryPass.Of([(tensor(t), tensor(g)), (ones(3), ones(4))], Orders));      // lengths differ
        // k₀ = 3 (3, 6, 12) is doubling: the first level is formed by binary powering.
        var (_, logM, _, _) = SummaryPass.Of([(tensor(t), tensor(g))], [3.0, 6, 12])!.Value;
        var a = t.Select(v => Math.Abs((double)v)).ToArray();
        Assert.Equal(LogPowerSum(a, 3), logM[0], 1e-12);
        Assert.Equal(LogPowerSum(a, 12), logM[2], 1e-12);
    }

    [Fact]
    public void SeveralTensorsAreSummarisedAsTheirConcatenation()
    {
        // A model's tensors of many sizes (an empty one, single elements, one spanning chunk boundaries), read in place.
        var (t, g) = Data(300_007);
        int[] sizes = [3, 0, 70_001, 1, 200_000, 30_002];
        var pairs = new List<(Tensor, Tensor)>();
        for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++)
            pairs.Add((tensor(t[start..(start + sizes[i])]), tensor(g[start..(start + sizes[i])])));
        var (e, logM, logG, logZ) = SummaryPass.Of(pairs, Orders)!.Value;
        var (eWhole, logMWhole, logGWhole, logZWhole) = SummaryPass.Of([(tensor(t), tensor(g))], Orders)!.Value;
        Assert.Equal(eWhole, e); // maxima, counts, next values and the largest product do not depend on the cut
        for (int k = 0; k < Orders.Length; k++)
        {
            Assert.Equal(logMWhole[k], logM[k], 1e-12 * Math.Abs(logMWhole[k]) + 1e-13);
            Assert.Equal(logGWhole[k], logG[k], 1e-12 * Math.Abs(logGWhole[k]) + 1e-13);
            Assert.Equal(logZWhole[k], logZ[k], 1e-12 * Math.Abs(logZWhole[k]) + 1e-13);
        }
    }
}
