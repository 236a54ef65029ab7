using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Tests.SpectralEdge;

public class SpectralStatisticsTests
{
    [Fact]
    public void DavisKahanStabilityIsOneMinusPerturbationOverNearestGap()
    {
        // λ = 10, 6, 5, 1; nearest gaps 4, 1, 1, 4; ‖E‖ = 0.5, c = 1 → 0.875, 0.5, 0.5, 0.875. c = 4: 0.5, 0, 0, 0.5.
        Assert.Equal(new[] { 0.875, 0.5, 0.5, 0.875 }, StabilityCoefficient.DavisKahan([10, 6, 5, 1], 0.5));
        Assert.Equal(new[] { 0.5, 0.0, 0.0, 0.5 }, StabilityCoefficient.DavisKahan([10, 6, 5, 1], 0.5, 4));
        Assert.All(StabilityCoefficient.DavisKahan([3, 2], double.NaN), g => Assert.True(double.IsNaN(g)));
    }

    [Fact]
    public void SplitHalfStabilityIsTheCosineBetweenTheHalvesDirections()
    {
        // First half: 10·e1, 1·e2; second half: 10·(cos θ e1 + sin θ e3), 1·e4. Top directions e1 and cos θ e1 + sin θ e3 → cos θ;
        // second directions e2 and e4 → 0.
        double theta = 0.3;
        const int p = 6;
        var rows = new double[4, p];
        rows[0, 0] = 10; rows[1, 1] = 1;
        rows[2, 0] = 10 * Math.Cos(theta); rows[2, 2] = 10 * Math.Sin(theta); rows[3, 3] = 1;
        var gram = new double[4, 4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                for (int k = 0; k < p; k++) gram[i, j] += rows[i, k] * rows[j, k];
        var gamma = StabilityCoefficient.SplitHalf(gram);
        Assert.Equal(2, gamma.Length);
        Assert.Equal(Math.Cos(theta), gamma[0], 1e-12);
        Assert.Equal(0, gamma[1], 1e-12);
    }

    [Fact]
    public void NullQuantilesAreStableAcrossSimulationSeedsAndMatchADirectGaussianSimulation()
    {
        const int w = 4;
        const long p = 40;
        var a = MaxRatioNull.For(w, p, 4000, seed: 1);
        var b = MaxRatioNull.For(w, p, 4000, seed: 2);
        Assert.Equal(a.Quantile(0.5), b.Quantile(0.5), 0.02 * a.Quantile(0.5));
        Assert.Equal(a.Quantile(0.95), b.Quantile(0.95), 0.04 * a.Quantile(0.95));

        // Independent reference: X with i.i.d. N(0,1) entries, σ from torch's SVD.
        using var scope = NewDisposeScope();
        using var g = new Generator(77);
        var x = randn([4000, w, p], ScalarType.Float64, generator: g);
        var s = linalg.svdvals(x);
        var ratio = s.narrow(1, 0, w - 1).div(s.narrow(1, 1, w - 1)).amax([1]);
        var sorted = ratio.sort().Values.data<double>().ToArray();
        Assert.Equal(sorted[2000], a.Quantile(0.5), 0.03 * sorted[2000]);
        Assert.Equal(sorted[3800], a.Quantile(0.95), 0.05 * sorted[3800]);

        Assert.InRange(a.PValue(a.Quantile(0.95)), 0.04, 0.06);
        Assert.True(a.PValue(1e6) < 1e-3);
        Assert.Equal(1.0, a.PValue(1.0), 1e-12);
    }

    [Fact]
    public void NullRatiosShrinkTowardsOneAsPGrows()
    {
        // Eigenvalues of Wishart_W(P, I) concentrate at P with spread ~√P: the maximum ratio tends to 1 like 1 + O(√(W/P)).
        double small = MaxRatioNull.For(10, 1_000, 1000).Quantile(0.5);
        double large = MaxRatioNull.For(10, 1_000_000, 1000).Quantile(0.5);
        Assert.True(large - 1 < (small - 1) / 10, $"median − 1: P=1e3 {small - 1}, P=1e6 {large - 1}");
        Assert.InRange(large, 1.0, 1.01);
    }

    [Fact]
    public void BbpBulkEdgeBoundsPureNoiseAndASpikeAboveTheThresholdSeparates()
    {
        // η = 0.01, B = 1, stride 1 → s = 0.01. Pure noise rows: every Gram eigenvalue lies in the Marchenko–Pastur bulk.
        const int w = 10;
        const long p = 40_000;
        var bbp = BbpThreshold.Isotropic(w, p, 0.01, 1, 1);
        Assert.Equal(0.01, bbp.NoiseStd, 1e-15);
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        var noise = randn([w, p], ScalarType.Float64, generator: g).mul(0.01);
        var (values, _) = SymmetricEigen.Decompose(ToArray(noise.matmul(noise.t())));
        double lower = 1e-4 * Math.Pow(Math.Sqrt(p) - Math.Sqrt(w), 2);
        Assert.InRange(values[0], lower, bbp.BulkEdge * 1.01);
        Assert.InRange(values[^1], lower * 0.99, bbp.BulkEdge);
        Assert.Equal(0, bbp.AboveBulk(values.Select(Math.Sqrt)));

        // A rank-one signal with θ² = 25·s²√(WP) (well above the threshold) lifts the top eigenvalue out of the bulk.
        var u = randn([w, 1], ScalarType.Float64, generator: g); u = u.div(u.norm());
        var v = randn([1, p], ScalarType.Float64, generator: g); v = v.div(v.norm());
        var x = noise.add(u.matmul(v).mul(Math.Sqrt(25 * bbp.SignalThreshold)));
        var (spiked, _) = SymmetricEigen.Decompose(ToArray(x.matmul(x.t())));
        Assert.Equal(1, bbp.AboveBulk(spiked.Select(Math.Sqrt)));
    }

    [Theory]
    [InlineData(2.5)]
    [InlineData(4.0)]
    public void PowerLawFitRecoversTheParetoExponentAboveANonPowerLawBody(double alpha)
    {
        // Tail: x = U^(−1/(α−1)) ≥ 1 has density ∝ x^−α; body: 3000 uniform values in (0, 1). MLE sd ≈ (α−1)/√n.
        var rng = new Random(11);
        const int n = 4000;
        var tail = Enumerable.Range(0, n).Select(_ => Math.Pow(1 - rng.NextDouble(), -1 / (alpha - 1)));
        var body = Enumerable.Range(0, 3000).Select(_ => rng.NextDouble() * 0.999);
        var fit = PowerLawFit.Fit(tail.Concat(body).ToArray());
        Assert.InRange(fit.Alpha, alpha - 5 * (alpha - 1) / Math.Sqrt(n * 0.5), alpha + 5 * (alpha - 1) / Math.Sqrt(n * 0.5));
        Assert.InRange(fit.XMin, 0.9, 1.5);
        Assert.True(PowerLawFit.Fit([1, 2, 3]).Alpha is double.NaN);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WeightSpectrumOfAWideOrTallMatrixHasEveryPlantedSingularValue(bool tall)
    {
        // σ_j = 10^(−j/10), j = 0…39 (σ₄₀/σ₁ ≈ 1.3e-4): the Gram route must keep each to 1e-6 relative.
        using var scope = NewDisposeScope();
        using var g = new Generator(5);
        var planted = Enumerable.Range(0, 40).Select(j => Math.Pow(10, -j / 10.0)).ToArray();
        var u = linalg.qr(randn([40, 40], ScalarType.Float64, generator: g)).Q;
        var v = linalg.qr(randn([120, 40], ScalarType.Float64, generator: g)).Q;
        var m = u.mul(tensor(planted)).matmul(v.t());
        var s = WeightSpectrum.Of(tall ? m.t() : m);
        Assert.Equal(40, s.Sigma.Length);
        for (int j = 0; j < 40; j++) Assert.Equal(planted[j], s.Sigma[j], planted[j] * 1e-6);
        Assert.Equal(Math.Pow(10, 0.1), s.Ratio12, 1e-9);
    }

    [Fact]
    public void WeightSpectrumHasThePlantedSingularValues()
    {
        // W = U diag(8, 2, 1, 0) Vᵀ: σ₁/σ₂ = 4, stable rank (64 + 4 + 1)/64.
        using var scope = NewDisposeScope();
        using var g = new Generator(2);
        var u = linalg.qr(randn([6, 4], ScalarType.Float64, generator: g)).Q;
        var v = linalg.qr(randn([5, 4], ScalarType.Float64, generator: g)).Q;
        var m = u.mul(tensor(new double[] { 8, 2, 1, 0 })).matmul(v.t()).to_type(ScalarType.Float32);
        var s = WeightSpectrum.Of(m);
        Assert.Equal(4.0, s.Ratio12, 1e-5);
        Assert.Equal(69.0 / 64, s.StableRank, 1e-5);
        Assert.Equal(8.0, s.Sigma[0], 1e-5);
        var nan = m.clone(); nan[0, 0] = float.NaN;
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => WeightSpectrum.Of(nan)).Message);
        Assert.Throws<ArgumentException>(() => WeightSpectrum.Of(ones(3)));
    }

    [Fact]
    public void GapEventsHaveHysteresisAndKStarShiftsNeedPersistence()
    {
        var d = new GapEventDetector(openAbove: 1.5, collapseBelow: 1.2, persistence: 2);
        var kinds = new List<(long, GapEventKind)>();
        double[] ratios = [1.1, 1.3, 1.6, 1.3, 1.55, 1.19, 1.4, 1.1];
        int[] ks = [1, 1, 2, 1, 2, 2, 2, 3];
        for (int i = 0; i < ratios.Length; i++)
            foreach (var e in d.Observe(i, ratios[i], ks[i])) kinds.Add((i, e.Kind));
        Assert.Equal(new (long, GapEventKind)[]
        {
            (2, GapEventKind.GapOpened),
            (5, GapEventKind.GapCollapsed), (5, GapEventKind.KStarShift),
        }, kinds);
        Assert.False(d.IsOpen);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GapEventDetector(1.2, 1.5));
    }

    [Fact]
    public void LaggedCorrelationFindsTheLeadOfAShiftedSeries()
    {
        var rng = new Random(4);
        var x = Enumerable.Range(0, 200).Select(_ => rng.NextDouble()).ToArray();
        var y = Enumerable.Range(0, 200).Select(t => t >= 3 ? -2 * x[t - 3] + 1 : 0.5).ToArray();   // y_{t} = −2 x_{t−3} + 1: x leads by 3
        var (byLag, best, r) = LaggedCorrelation.Compute(x, y, 5);
        Assert.Equal(3, best);
        Assert.Equal(-1.0, r, 1e-12);
        Assert.Equal(11, byLag.Count);
        Assert.True(double.IsNaN(LaggedCorrelation.Pearson([1, 1, 1], [1, 2, 3])));
    }

    [Fact]
    public void LossDecompositionProjectsGradientsOnTheWindowDirections()
    {
        // Rows 3·e1 and 2·e2 (P = 4): right singular vectors ±e1, ±e2, so a_j b_j = g_train[j]·g_val[j] whatever the signs.
        using var window = new TrajectoryWindow(2, 4, ScalarType.Float64);
        using var r1 = tensor(new double[] { 3, 0, 0, 0 });
        using var r2 = tensor(new double[] { 0, 2, 0, 0 });
        window.Push(r1, 1); window.Push(r2, 2);
        using var gt = tensor(new double[] { 1, -2, 5, 7 });
        using var gv = tensor(new double[] { 3, 4, 1, 1 });
        var spectrum = WindowSpectrum.Of(window.Gram(), 1e-12);
        var d = LossDecomposition.Compute(spectrum, window.Project(gt), window.Project(gv), [1.0, 0.5], 0.1, 2);
        Assert.Equal(-0.1 * 1 * 1 * 3, d.LossChange[0], 1e-12);
        Assert.Equal(-0.1 * 0.5 * -2 * 4, d.LossChange[1], 1e-12);
        Assert.Equal(Math.Abs(d.TrainProjection[0]), 1, 1e-12);
    }

    [Fact]
    public void AdiabaticParameterAndRegimes()
    {
        // 𝒜 = ‖ΔΣ‖/(η‖g‖²) = 2/(0.1·4) = 5 → transition with the default boundaries 0.1 and 10.
        Assert.Equal(5.0, AdiabaticParameter.Of(2, 0.1, 4), 12);
        Assert.Equal(AdiabaticRegime.Transition, AdiabaticParameter.Regime(5));
        Assert.Equal(AdiabaticRegime.Plateau, AdiabaticParameter.Regime(0.05));
        Assert.Equal(AdiabaticRegime.Forgetting, AdiabaticParameter.Regime(11));
        Assert.Equal(AdiabaticRegime.Undefined, AdiabaticParameter.Regime(AdiabaticParameter.Of(double.NaN, 0.1, 4)));
        Assert.True(double.IsNaN(AdiabaticParameter.Of(1, 0.1, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => AdiabaticParameter.Regime(1, 10, 0.1));
    }

    [Fact]
    public void JacobiMatchesAKnownDecomposition()
    {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with eigenvectors (1, 1)/√2 and (1, −1)/√2.
        var (values, vectors) = SymmetricEigen.Decompose(new double[,] { { 2, 1 }, { 1, 2 } });
        Assert.Equal(3, values[0], 1e-14);
        Assert.Equal(1, values[1], 1e-14);
        Assert.Equal(1 / Math.Sqrt(2), Math.Abs(vectors[0, 0]), 1e-14);
        Assert.Equal(vectors[0, 0], vectors[1, 0], 1e-14);
    }

    static double[,] ToArray(Tensor m)
    {
        int n = (int)m.shape[0];
        var data = m.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i, j] = data[i * n + j];
        return a;
    }
}
