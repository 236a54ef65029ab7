using PhaseScope.Moments;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Moments;

/// <summary>
/// The one-read host pass of <see cref="ToleranceAlignment"/> over float32 CPU tensors gives the tensor path's counts and
/// τ* bit for bit (the tensor path runs on float64 copies of the same values, which it casts to anyway), and both agree
/// with counts by brute force in float64; values placed exactly on the thresholds test the ≥ boundary.
/// </summary>
public class ToleranceHostPassTests
{
    static readonly double[] Taus = [0, 1e-6, 1e-3, 1e-2, 1e-1];

    /// <summary>Several tensors (one over the pass's chunk size) with ties at the maxima and values on the thresholds.</summary>
    static List<(float[] Theta, float[] Grad)> Data(int seed)
    {
        var rng = new Random(seed);
        var parts = new List<(float[], float[])>();
        foreach (int n in new[] { 7, 1000, 70_000, 3 })
        {
            var th = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var gr = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 1e-3)).ToArray();
            parts.Add((th, gr));
        }
        // Maxima 1 and 1e-3 (a tie at each), and pairs exactly at (1 − τ)·max where float32 holds that value.
        var (t0, g0) = parts[1];
        t0[0] = 1; t0[1] = -1; g0[2] = 1e-3f; g0[3] = -1e-3f;
        t0[4] = 0.9f; g0[4] = 1e-3f;              // 0.9f lies just below τ = 0.1's threshold 0.9
        t0[5] = (float)(1 - 1e-2); g0[5] = 1e-3f; // just above τ = 0.01's 0.99
        return parts;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void HostCountsEqualTheTensorPathAndBruteForce(int seed)
    {
        var data = Data(seed);
        var f32 = data.Select(p => (tensor(p.Theta), tensor(p.Grad))).ToList();
        var f64 = data.Select(p => (tensor(p.Theta.Select(v => (double)v).ToArray()), tensor(p.Grad.Select(v => (double)v).ToArray()))).ToList();
        try
        {
            var x = ExtremalPartial.Of(f64[0].Item1, f64[0].Item2);
            foreach (var (t, g) in f64.Skip(1)) x = x.Merge(ExtremalPartial.Of(t, g));
            var extremal = x.Finish();
            var host = ToleranceAlignment.Of(f32.Select(p => ((Tensor)p.Item1, (Tensor)p.Item2)).ToList(), extremal, Taus);
            var tensorPath = ToleranceAlignment.Of(f64.Select(p => ((Tensor)p.Item1, (Tensor)p.Item2)).ToList(), extremal, Taus);
            Assert.Equal(tensorPath.Sets, host.Sets);
            Assert.Equal(BitConverter.DoubleToInt64Bits(tensorPath.Closeness), BitConverter.DoubleToInt64Bits(host.Closeness));

            var th = data.SelectMany(p => p.Theta).Select(v => Math.Abs((double)v)).ToArray();
            var gr = data.SelectMany(p => p.Grad).Select(v => Math.Abs((double)v)).ToArray();
            double tMax = th.Max(), gMax = gr.Max();
            Assert.Equal(1.0, tMax);
            for (int j = 0; j < Taus.Length; j++)
            {
                double a = (1 - Taus[j]) * tMax, b = (1 - Taus[j]) * gMax;
                var sets = new ToleranceSets(th.Count(v => v >= a), gr.Count(v => v >= b), th.Zip(gr).Count(p => p.First >= a && p.Second >= b));
                Assert.Equal(sets, host.Sets[j]);
            }
            // τ = 0: the tied maxima, θ at pairs 0 and 1, g at pairs 2–5; pairs 4 and 5 reach θ_max only within 10 % and 1 %.
            Assert.Equal(new ToleranceSets(2, 4, 0), host.Sets[0]);
            Assert.Equal(th.Zip(gr, (p, q) => Math.Min(p / tMax, q / gMax)).Max(), host.Closeness);
        }
        finally
        {
            foreach (var (t, g) in f32.Concat(f64)) { t.Dispose(); g.Dispose(); }
        }
    }

    [Fact]
    public void AToleranceOutsideTheRangeIsStillRefusedByName()
    {
        using var t = tensor(new float[] { 1, 0.5f });
        using var g = tensor(new float[] { 0.5f, 1 });
        var x = ExtremalPartial.Of(t, g).Finish();
        Assert.Throws<ArgumentOutOfRangeException>(() => ToleranceAlignment.Of([(t, g)], x, [1.0]));
    }
}
