using PhaseScope.Moments;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Moments;

/// <summary>
/// The spectral plane of float32 CPU shards counted on the host (<see cref="SpectralPlaneHostPass"/>) against libtorch's
/// tensor path on float64 copies of the same values (which it would cast to anyway): the same cells, the same counts, in the
/// same order, so Spearman's ρ and the display plane agree bit for bit; and <see cref="SpectralPlanePartial.Union"/> against
/// chained <see cref="SpectralPlanePartial.Merge"/>.
/// </summary>
public class SpectralPlaneHostPassTests
{
    /// <summary>Shards with exact zeros in θ and g, |x| = 1, magnitudes over 40 decades (a wide span takes the tensor path's
    /// sort) and a narrow one (its dense count), and subnormal float32 values.</summary>
    static List<(float[] Theta, float[] Grad)> Shards(int seed)
    {
        var rng = new Random(seed);
        float Wide() => (float)((rng.Next(2) * 2 - 1) * Math.Pow(10, rng.NextDouble() * 40 - 38));
        float Narrow() => (float)(rng.NextDouble() * 2 - 1);
        var shards = new List<(float[], float[])>();
        foreach (var (n, wide) in new[] { (3000, true), (5000, false), (1, false), (70_000, true) })
        {
            var th = Enumerable.Range(0, n).Select(_ => Narrow()).ToArray();
            var gr = Enumerable.Range(0, n).Select(_ => wide ? Wide() : Narrow() * 1e-3f).ToArray();
            for (int i = 0; i < n; i += 97) th[i] = 0;
            for (int i = 5; i < n; i += 89) gr[i] = 0;
            if (n > 10) { th[1] = 1; th[2] = -1; gr[3] = 1e-44f; th[4] = 1.5e-45f; }
            shards.Add((th, gr));
        }
        return shards;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void HostCellsEqualTheTensorPathInValueAndOrder(int seed)
    {
        var shards = Shards(seed);
        var host = new List<SpectralPlanePartial>();
        var reference = new List<SpectralPlanePartial>();
        foreach (var (th, gr) in shards)
        {
            using var t32 = tensor(th);
            using var g32 = tensor(gr);
            using var t64 = tensor(th.Select(v => (double)v).ToArray());
            using var g64 = tensor(gr.Select(v => (double)v).ToArray());
            host.Add(SpectralPlanePartial.Of(t32, g32));
            reference.Add(SpectralPlanePartial.Of(t64, g64));
            Assert.Equal(reference[^1].Cells.ToArray(), host[^1].Cells.ToArray());   // ordered: the enumeration, not the set
            Assert.Equal(th.Length, host[^1].Count);
        }
        var chained = reference.Skip(1).Aggregate(reference[0], (a, b) => a.Merge(b));
        var union = SpectralPlanePartial.Union(host);
        Assert.Equal(chained.Cells.ToArray(), union.Cells.ToArray());
        Assert.Equal(chained.Count, union.Count);
        Assert.Equal(BitConverter.DoubleToInt64Bits(chained.Spearman()), BitConverter.DoubleToInt64Bits(union.Spearman()));
        // Counted by hand from the magnitudes: zeros (θ first) and every non-zero pair's cells.
        long zeroTheta = shards.Sum(s => s.Theta.Count(v => v == 0));
        Assert.Equal(zeroTheta, union.Cells.Where(c => c.Key.Theta == SpectralPlanePartial.Zero).Sum(c => c.Value));
        // θ cell 0 holds log|θ| ∈ [0, 1/32), i.e. 1 ≤ |θ| < e^(1/32): here only the two planted ±1 per large shard.
        Assert.Equal(shards.Sum(s => s.Theta.Count(v => Math.Abs(v) >= 1 && Math.Abs(v) < Math.Exp(1.0 / 32))),
            union.Cells.Where(c => c.Key.Theta == 0).Sum(c => c.Value));
        Assert.Equal(6, union.Cells.Where(c => c.Key.Theta == 0).Sum(c => c.Value));
    }

    [Fact]
    public void NonFiniteFloat32ValuesNameThetaBeforeG()
    {
        using var t = tensor(new float[] { 1, float.NaN });
        using var g = tensor(new float[] { float.PositiveInfinity, 2 });
        var e = Assert.Throws<NonFiniteValuesException>(() => SpectralPlanePartial.Of(t, g));
        using var t2 = tensor(new float[] { 1, 2 });
        var e2 = Assert.Throws<NonFiniteValuesException>(() => SpectralPlanePartial.Of(t2, g));
        Assert.StartsWith("θ ", e.Message);
        Assert.StartsWith("g ", e2.Message);
    }
}
