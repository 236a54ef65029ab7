using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Tests.SpectralEdge;

public class TrajectoryWindowTests
{
    [Fact]
    public void PlantedSingularValuesAndGapStatisticsAreRecovered()
    {
        // σ = 50, 20, 19, 5, 1, 0.5: consecutive ratios 2.5, 1.0526, 3.8, 5, 2 → k* = 4, R = 5, gap = 25 − 1 = 24;
        // weighted (σ_j/Σσ)(σ_j/σ_{j+1}) with Σσ = 95.5: 1.309, 0.220, 0.756, 0.262, 0.0105 → k*_w = 1;
        // g23 = 400 − 361 = 39; σ² = 2500, 400, 361, 25, 1, 0.25 (total 3287.25): cumulative 0.7605, 0.8822, 0.9920 → k95 = 3.
        double[] sigma = [50, 20, 19, 5, 1, 0.5];
        using var window = new TrajectoryWindow(6, 3000, ScalarType.Float64);
        using (var g = new Generator(9))
            for (int i = 0; i < 13; i++)   // earlier updates that must be evicted
            {
                using var r = randn([3000], ScalarType.Float64, generator: g);
                Assert.True(window.Push(r, i).Accepted);
            }
        var rows = Planted.Rows(sigma, 3000, 4);
        foreach (var r in rows) { window.Push(r, 100); r.Dispose(); }

        var s = WindowSpectrum.Of(window.Gram(), 1e-9);
        for (int j = 0; j < sigma.Length; j++) Assert.True(Math.Abs(s.Sigma[j] / sigma[j] - 1) < 1e-5, $"σ_{j + 1} = {s.Sigma[j]}, planted {sigma[j]}");
        Assert.Equal(4, s.KStar);
        Assert.Equal(1, s.KStarWeighted);
        Assert.Equal(5.0, s.GapRatio, 1e-5 * 5);
        Assert.Equal(24.0, s.Gap, 1e-5 * 24);
        Assert.Equal(39.0, s.G23, 1e-5 * 400);
        Assert.Equal(3, s.K95);
        Assert.Equal(6, s.Rank);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(17)]
    public void IncrementalGramEqualsARebuildAfterAnySequenceOfPushes(int pushes)
    {
        const int w = 5, p = 400;
        using var window = new TrajectoryWindow(w, p, ScalarType.Float64);
        var kept = new List<Tensor>();
        using var g = new Generator((ulong)pushes);
        for (int i = 0; i < pushes; i++)
        {
            var r = randn([p], ScalarType.Float64, generator: g).mul(i + 1).DetachFromDisposeScope();
            window.Push(r, i);
            kept.Add(r);
        }
        var last = kept.Skip(Math.Max(0, pushes - w)).ToArray();
        using var x = stack(last);
        using var rebuilt = x.matmul(x.t());
        var gram = window.Gram();
        Assert.Equal(last.Length, gram.GetLength(0));
        for (int i = 0; i < last.Length; i++)
            for (int j = 0; j < last.Length; j++)
                Assert.Equal(rebuilt[i, j].item<double>(), gram[i, j], 1e-9 * Math.Abs(rebuilt[i, i].item<double>()));
        Assert.Equal(Enumerable.Range(Math.Max(0, pushes - w), last.Length).Select(i => (long)i), window.Steps());
        foreach (var r in kept) r.Dispose();
    }

    [Fact]
    public void PerturbationNormEqualsTheFrobeniusNormOfTheSecondMomentChange()
    {
        // Reference: form XᵀX (P×P) of consecutive full windows in float64 and subtract.
        const int w = 3, p = 20;
        using var window = new TrajectoryWindow(w, p, ScalarType.Float64);
        using var g = new Generator(5);
        var all = Enumerable.Range(0, 6).Select(_ => randn([p], ScalarType.Float64, generator: g).DetachFromDisposeScope()).ToArray();
        var results = all.Select((r, i) => window.Push(r, i)).ToArray();
        Assert.True(double.IsNaN(results[2].DeltaSigmaFrobenius));   // first full window: nothing to compare with
        for (int t = 3; t < 6; t++)
        {
            using var before = stack(all[(t - 3)..t]);
            using var after = stack(all[(t - 2)..(t + 1)]);
            using var diff = after.t().matmul(after).sub(before.t().matmul(before));
            double reference = diff.norm().item<double>();
            Assert.Equal(reference, results[t].DeltaSigmaFrobenius, 1e-9 * reference);
        }
        foreach (var r in all) r.Dispose();
    }

    [Fact]
    public void NonFiniteUpdatesAreRejectedAndTheWindowStaysUsable()
    {
        using var window = new TrajectoryWindow(3, 10, ScalarType.Float32);
        using var ok = ones([10]);
        window.Push(ok, 1);
        var before = window.Gram();
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e30f })
        {
            using var t = ones([10]);
            t[3] = bad;
            var r = window.Push(t, 2);
            Assert.False(r.Accepted);
            Assert.Contains("non-finite", r.Rejection);
            Assert.Equal(before, window.Gram());
        }
        using var two = ones([10]).mul(2);
        Assert.True(window.Push(two, 3).Accepted);
        Assert.Equal(new double[,] { { 10, 20 }, { 20, 40 } }, window.Gram());
    }

    [Fact]
    public void WrongLengthIsAClearError()
    {
        using var window = new TrajectoryWindow(3, 10);
        using var t = ones([11]);
        var e = Assert.Throws<ArgumentException>(() => window.Push(t, 1));
        Assert.Contains("length P = 10", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrajectoryWindow(1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrajectoryWindow(3, 10, sketchDimension: 10));
    }

    [Fact]
    public void SketchedGramIsWithinItsVarianceBoundAndReportsItsDiagonalError()
    {
        // CountSketch: Var⟨Sa, Sb⟩ ≤ 2‖a‖²‖b‖²/P'. Allow 6 standard deviations.
        const int w = 4, p = 200_000, sketchDim = 20_000;
        using var exact = new TrajectoryWindow(w, p, ScalarType.Float64);
        using var sketched = new TrajectoryWindow(w, p, ScalarType.Float64, sketchDimension: sketchDim, sketchSeed: 3);
        using var g = new Generator(8);
        for (int i = 0; i < w; i++)
        {
            using var r = randn([p], ScalarType.Float64, generator: g).add(i == 0 ? 0.5 : 0);
            exact.Push(r, i);
            sketched.Push(r, i);
        }
        var ge = exact.Gram();
        var gs = sketched.Gram();
        for (int i = 0; i < w; i++)
            for (int j = 0; j < w; j++)
            {
                double sd = Math.Sqrt(2 * ge[i, i] * ge[j, j] / sketchDim);
                Assert.InRange(gs[i, j] - ge[i, j], -6 * sd, 6 * sd);
            }
        double diagError = Enumerable.Range(0, w).Max(i => Math.Abs(gs[i, i] - ge[i, i]) / ge[i, i]);
        Assert.Equal(diagError, sketched.SketchDiagonalError(), 1e-12);
        Assert.True(diagError > 0);
        Assert.Equal(0, exact.SketchDiagonalError());
        Assert.True(sketched.Bytes < exact.Bytes);
    }

    [Fact]
    public void ProjectionGivesInnerProductsWithEveryHeldUpdate()
    {
        using var window = new TrajectoryWindow(2, 3, ScalarType.Float64);
        using var a = tensor(new double[] { 1, 2, 3 });
        using var b = tensor(new double[] { 0, 1, -1 });
        using var c = tensor(new double[] { 4, 0, 1 });
        window.Push(a, 1); window.Push(b, 2); window.Push(c, 3);   // a evicted
        using var v = tensor(new double[] { 1, 1, 1 });
        Assert.Equal(new double[] { 0, 5 }, window.Project(v));
    }

    /// <summary>θ as four float32 tensors of uneven sizes (chunk boundaries inside tensors, vector tails, more than the
    /// parallel threshold in all), moved by a random step each time.</summary>
    static Tensor[] Parts(Generator g) =>
        new long[] { 3, 70_001, 1, 200_000 }.Select(n => randn([n], generator: g).DetachFromDisposeScope()).ToArray();

    [Theory]
    [InlineData(ScalarType.Float32)]   // the host pass
    [InlineData(ScalarType.Float64)]   // the tensor path
    public void PushingDifferencesKeepsTheGramOfTheFloat32UpdatesAndTheSnapshot(ScalarType storage)
    {
        const int w = 5;
        using var g = new Generator(21);
        var theta = Parts(g);
        long p = theta.Sum(t => t.numel());
        using var window = new TrajectoryWindow(w, p, storage);
        using var previous = cat(theta.Select(t => t.to_type(storage)).ToArray());
        // Reference: every update δ = θ_t − θ_{t−1} as float64 values of float32 subtractions (exact for float64 storage too:
        // θ's values are float32), Gram in float64.
        var host = theta.Select(t => t.data<float>().ToArray()).ToArray();
        var updates = new List<double[]>();
        for (int step = 1; step <= 12; step++)
        {
            var before = host.SelectMany(a => a).ToArray();
            foreach (var t in theta) t.add_(randn(t.shape, generator: g).mul_(0.01f * step));
            host = theta.Select(t => t.data<float>().ToArray()).ToArray();
            var after = host.SelectMany(a => a).ToArray();
            updates.Add(storage == ScalarType.Float32
                ? after.Select((v, i) => (double)(v - before[i])).ToArray()
                : after.Select((v, i) => (double)v - before[i]).ToArray());
            Assert.True(window.PushDifference(theta, previous, step).Accepted);
            Assert.Equal(after.Select(v => (double)v), previous.to_type(ScalarType.Float64).data<double>().ToArray());
        }
        var held = updates.TakeLast(w).ToArray();
        var gram = window.Gram();
        for (int i = 0; i < w; i++)
            for (int j = 0; j < w; j++)
            {
                double reference = 0;
                for (long k = 0; k < p; k++) reference += held[i][k] * held[j][k];
                double scale = Math.Sqrt(gram[i, i] * gram[j, j]);
                Assert.True(Math.Abs(gram[i, j] - reference) <= 1e-5 * scale, $"G[{i},{j}] = {gram[i, j]}, float64 reference {reference}");
            }
        Assert.Equal(Enumerable.Range(8, w).Select(i => (long)i), window.Steps());
        foreach (var t in theta) t.Dispose();
    }

    [Theory]
    [InlineData(float.NaN, 0f)]
    [InlineData(float.PositiveInfinity, 0f)]
    [InlineData(3e38f, -3e38f)]   // finite θ, but δ overflows float32
    public void ARejectedDifferenceLeavesTheWindowAndTheSnapshotAsTheyWere(float bad, float previousValue)
    {
        using var g = new Generator(4);
        var theta = Parts(g);
        long p = theta.Sum(t => t.numel());
        using var window = new TrajectoryWindow(3, p);
        using var previous = cat(theta).DetachFromDisposeScope();
        for (int step = 1; step <= 4; step++)
        {
            foreach (var t in theta) t.add_(randn(t.shape, generator: g));
            Assert.True(window.PushDifference(theta, previous, step).Accepted);
        }
        previous[70_004] = tensor(previousValue);   // flat 70,004: the one-element third tensor
        var (rowsBefore, gramBefore, _, stepsBefore, nextBefore, countBefore) = window.ExportState();
        var rowsCopy = rowsBefore.clone();
        var previousCopy = previous.clone();
        theta[2][0] = tensor(bad);
        var result = window.PushDifference(theta, previous, 5);
        Assert.False(result.Accepted);
        Assert.Contains("non-finite", result.Rejection);
        var (rowsAfter, gramAfter, _, stepsAfter, nextAfter, countAfter) = window.ExportState();
        Assert.True(rowsAfter.equal(rowsCopy).all().item<bool>());
        Assert.Equal(gramBefore, gramAfter);
        Assert.Equal(stepsBefore, stepsAfter);
        Assert.Equal((nextBefore, countBefore), (nextAfter, countAfter));
        Assert.True(previous.equal(previousCopy).all().item<bool>());
        foreach (var t in theta) t.Dispose();
    }
}
