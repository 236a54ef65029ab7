using PhaseScope.Moments.Fast;
using PhaseScope.Moments;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Moments;

public class FastCouplingSurfaceTests
{
    static readonly double[] Grid = Enumerable.Range(0, 17).Select(i => 4.0 * i).ToArray(); // 0, 4, …, 64

    /// <summary>log((1/n) Σ|θ|^k|g|^l) by a direct float64 log-sum-exp loop, written here independently of the library.</summary>
    static double DirectLogZ(double[] t, double[] g, double k, double l)
    {
        var terms = t.Zip(g, (a, b) => (k == 0 ? 0 : k * Math.Log(Math.Abs(a))) + (l == 0 ? 0 : l * Math.Log(Math.Abs(b)))).ToArray();
        double max = terms.Max();
        if (double.IsNegativeInfinity(max)) return max;
        return max + Math.Log(terms.Sum(x => Math.Exp(x - max))) - Math.Log(t.Length);
    }

    static FastCouplingSurface.Diagnostics AssertMatchesDirect(double[] t, double[] g, ScalarType type, double[]? grid = null, double tolerance = FastCouplingSurface.Tolerance)
    {
        var Grid = grid ?? FastCouplingSurfaceTests.Grid;
        var s = FastCouplingSurface.Compute([(tensor(t).to_type(type), tensor(g).to_type(type))], Grid, Grid, out var d, tolerance);
        // float32 inputs are compared with their float32-rounded values (what the tensor holds).
        var tr = tensor(t).to_type(type).to_type(ScalarType.Float64).data<double>().ToArray();
        var gr = tensor(g).to_type(type).to_type(ScalarType.Float64).data<double>().ToArray();
        for (int i = 0; i < Grid.Length; i++)
            for (int j = 0; j < Grid.Length; j++)
            {
                double c = DirectLogZ(tr, gr, Grid[i], Grid[j]) - DirectLogZ(tr, gr, Grid[i], 0) - DirectLogZ(tr, gr, 0, Grid[j]);
                Assert.True(Math.Abs(s.Coupling(i, j) - c) <= 1e-4, $"C({Grid[i]}, {Grid[j]}) = {s.Coupling(i, j)} vs direct {c} (n = {t.Length}, {d})");
            }
        Assert.True(d.MaxRelativeBound <= tolerance * 1.0000001, d.ToString());
        return d;
    }

    static (double[] T, double[] G) GaussianPairs(int n, int seed)
    {
        var r = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
        var t = Enumerable.Range(0, n).Select(_ => 0.05 * Gauss()).ToArray();
        return (t, t.Select(x => 1e-3 * Gauss() + 0.02 * x).ToArray());
    }

    [Theory]
    [InlineData(50, 1)]
    [InlineData(3000, 2)]
    [InlineData(40000, 3)]
    public void GaussianPairsMatchADirectFloat64Sum(int n, int seed)
    {
        var (t, g) = GaussianPairs(n, seed);
        AssertMatchesDirect(t, g, ScalarType.Float32);
        AssertMatchesDirect(t, g, ScalarType.Float64);
    }

    [Fact]
    public void RealOrdersMatch()
    {
        var (t, g) = GaussianPairs(20000, 4);
        AssertMatchesDirect(t, g, ScalarType.Float32, [0, 0.25, 0.5, 1, 1.5, 2.5, 3.7, 7.3, 19.9, 33.3, 64]);
    }

    [Fact]
    public void CellsTheBoundRejectsAreEvaluatedExactly()
    {
        // At a tolerance of 1e−12 the expansion is not good enough for the cells that carry the high orders: they are
        // flagged and evaluated exactly, from the kept elements (small cells) or by reading the data again (large ones).
        var (t, g) = GaussianPairs(40000, 6);
        var d = AssertMatchesDirect(t, g, ScalarType.Float32, tolerance: 1e-12);
        Assert.True(d.ExactElements > 1000, d.ToString());
    }

    [Fact]
    public void ThePortablePathMatchesToo()
    {
        var (t, g) = GaussianPairs(30000, 8);
        JointCellSums.ForceScalar = true;
        try { AssertMatchesDirect(t, g, ScalarType.Float32); }
        finally { JointCellSums.ForceScalar = false; }
    }

    [Fact]
    public void TiesZerosDenormalsAndWideRangesMatch()
    {
        var r = new Random(7);
        int n = 5000;
        // Exact ties at the maxima, exact zeros in both, float32 denormals, and magnitudes over 1e−30…1e30.
        var t = Enumerable.Range(0, n).Select(i => i % 50 == 0 ? 0.0 : i % 97 == 0 ? 3.0 : i % 13 == 0 ? 1e-40 : Math.Pow(10, -30 + 60 * r.NextDouble()) * (r.Next(2) * 2 - 1)).ToArray();
        var g = Enumerable.Range(0, n).Select(i => i % 31 == 0 ? 0.0 : i % 89 == 0 ? 2.0 : Math.Pow(10, -30 + 60 * r.NextDouble())).ToArray();
        AssertMatchesDirect(t, g, ScalarType.Float64); // values outside float32's normal range: exact fallback
        var t32 = t.Select(x => Math.Abs(x) > 1e30 || (x != 0 && Math.Abs(x) < 1e-36) ? 1e-20 : x).ToArray();
        AssertMatchesDirect(t32, g.Select(x => Math.Min(x, 1e30)).ToArray(), ScalarType.Float32);
    }

    [Fact]
    public void ShardsGiveTheSurfaceOfTheirUnion()
    {
        using var gen = new Generator(5);
        var t = randn([6000], generator: gen);
        var g = randn([6000], generator: gen);
        var whole = FastCouplingSurface.Compute([(t, g)], Grid, Grid);
        var split = FastCouplingSurface.Compute([(t.narrow(0, 0, 1000), g.narrow(0, 0, 1000)), (t.narrow(0, 1000, 5000), g.narrow(0, 1000, 5000))], Grid, Grid);
        for (int i = 0; i < Grid.Length; i++)
            for (int j = 0; j < Grid.Length; j++)
                Assert.True(Math.Abs(whole.Coupling(i, j) - split.Coupling(i, j)) <= 1e-4);
    }

    /// <summary>
    /// The same shards give the same surface to the last bit, call after call: the workers' partial sums are merged in an
    /// order fixed by the blocks, not by which thread took which block first (a run's snapshot, like its metrics, must be
    /// reproducible from its seed). Many small shards of uneven size, as a model's tensors are, make a timing-dependent
    /// split likely if there is one.
    /// </summary>
    [Fact]
    public void RepeatedCallsGiveTheSameBits()
    {
        var gen = new Random(11);
        var shards = Enumerable.Range(0, 40).Select(i =>
        {
            int n = 50 + gen.Next(4000);
            var t = Enumerable.Range(0, n).Select(_ => gen.NextDouble() * 4 - 2).ToArray();
            var g = Enumerable.Range(0, n).Select(_ => (gen.NextDouble() - 0.5) * Math.Exp(gen.NextDouble() * 6)).ToArray();
            return (tensor(t).to_type(ScalarType.Float32), tensor(g).to_type(ScalarType.Float32));
        }).ToList();
        var first = FastCouplingSurface.Compute(shards, Grid, Grid);
        for (int call = 0; call < 30; call++)
        {
            var again = FastCouplingSurface.Compute(shards, Grid, Grid);
            for (int i = 0; i < Grid.Length; i++)
                for (int j = 0; j < Grid.Length; j++)
                    Assert.Equal(BitConverter.DoubleToInt64Bits(first.Coupling(i, j)), BitConverter.DoubleToInt64Bits(again.Coupling(i, j)));
        }
    }

    [Fact]
    public void NonFiniteInputIsAClearError()
    {
        var t = tensor(new float[] { 1, float.NaN, 2 });
        var g = tensor(new float[] { 1, 2, 3 });
        var e = Assert.Throws<NonFiniteValuesException>(() => FastCouplingSurface.Compute([(t, g)], Grid, Grid));
        Assert.Contains("NaN or ±Inf", e.Message);
        Assert.Throws<NonFiniteValuesException>(() => FastCouplingSurface.Compute([(g, tensor(new float[] { 1, float.PositiveInfinity, 3 }))], Grid, Grid));
        Assert.Throws<NonFiniteValuesException>(() => ExtremalPartial.Of(t, g));
        Assert.Throws<NonFiniteValuesException>(() => CouplingPartial.Of(g, t, [2.0], [2.0]));
    }
}
