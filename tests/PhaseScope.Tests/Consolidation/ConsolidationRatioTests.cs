using PhaseScope.Consolidation;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Consolidation;

/// <summary>Seed 003 §3.1 estimators against Gaussian closed forms and float64 references.</summary>
public class ConsolidationRatioTests
{
    /// <summary>n samples g_j = μ + σ_c ε_jc, one [n, P] float64 tensor.</summary>
    static Tensor GaussianSamples(Generator g, Tensor mu, Tensor sigma, int n) =>
        mu.unsqueeze(0) + sigma.unsqueeze(0) * randn([n, mu.shape[0]], ScalarType.Float64, generator: g);

    static ConsolidationRatio Estimate(Tensor samples)
    {
        using var acc = new GradientSampleAccumulator();
        for (long j = 0; j < samples.shape[0]; j++) acc.Add([samples[j]]);
        return acc.Finish()[0].Finish();
    }

    [Fact]
    public void MatchesTheFloat64DefinitionOnAnySample()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        var s = randn([7, 40], ScalarType.Float64, generator: g) * 0.3 + 0.1;
        var r = Estimate(s);
        // The seed's code: signal = ‖mean‖², noise = var(dim 0, unbiased).sum().
        double signal = s.mean([0]).square().sum().item<double>();
        double noise = s.var(0, unbiased: true).sum().item<double>();
        Assert.Equal(signal, r.Signal, 1e-12);
        Assert.Equal(noise, r.Noise, 1e-12);
        Assert.Equal(signal / noise, r.CAlpha, 1e-10);
        Assert.Equal(signal / noise / (1 + signal / noise), r.P, 1e-12);
        Assert.Equal((signal - noise / 7) / noise, r.CAlphaUnbiased, 1e-10);
    }

    [Fact]
    public void SignalIsBiasedByTraceOverNAndTheCorrectedSignalIsNot()
    {
        // μ with ‖μ‖² = 0.5, Σ = diag(σ²) with Tr Σ = 40·0.25 = 10, n = 5: E‖ḡ‖² = ‖μ‖² + Tr Σ / n = 2.5.
        using var scope = NewDisposeScope();
        using var g = new Generator(11);
        int p = 40, n = 5, draws = 4000;
        var mu = full(p, Math.Sqrt(0.5 / p), ScalarType.Float64);
        var sigma = full(p, 0.5, ScalarType.Float64);
        var biased = new double[draws];
        var corrected = new double[draws];
        for (int d = 0; d < draws; d++)
        {
            using var inner = NewDisposeScope();
            var r = Estimate(GaussianSamples(g, mu, sigma, n));
            biased[d] = r.Signal;
            corrected[d] = r.SignalUnbiased;
        }
        static (double Mean, double Se) Stats(double[] x)
        {
            double m = x.Average();
            return (m, Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1) / x.Length));
        }
        var (bm, bse) = Stats(biased);
        var (cm, cse) = Stats(corrected);
        Assert.InRange(bm, 2.5 - 4 * bse, 2.5 + 4 * bse);
        Assert.InRange(cm, 0.5 - 4 * cse, 0.5 + 4 * cse);
        Assert.True(Math.Abs(bm - 0.5) > 20 * bse, "the seed's signal should be visibly biased");
    }

    [Fact]
    public void CAlphaLiesInItsSamplingInterval()
    {
        // Isotropic Σ = σ² I over P coordinates: Tr Σ̂ ~ σ² χ²_{P(n−1)}/(n−1), relative sd √(2/(P(n−1))).
        using var scope = NewDisposeScope();
        using var g = new Generator(5);
        int p = 200_000, n = 20;
        double sigma2 = 0.01, muNorm2 = 3.0;
        var mu = full(p, Math.Sqrt(muNorm2 / p), ScalarType.Float64);
        var r = Estimate(GaussianSamples(g, mu, full(p, Math.Sqrt(sigma2), ScalarType.Float64), n));
        double trace = p * sigma2;
        Assert.InRange(r.Noise, trace * (1 - 5 * Math.Sqrt(2.0 / (p * (n - 1)))), trace * (1 + 5 * Math.Sqrt(2.0 / (p * (n - 1)))));
        // E C_α ≈ (‖μ‖² + Tr Σ/n)/Tr Σ = 3/2000 + 1/20; the unbiased version ≈ 3/2000.
        double expected = (muNorm2 + trace / n) / trace;
        Assert.InRange(r.CAlpha, expected * 0.98, expected * 1.02);
        Assert.InRange(r.CAlphaUnbiased, muNorm2 / trace - 0.0005, muNorm2 / trace + 0.0005);
    }

    [Fact]
    public void ZeroNoiseHasDefinedResults()
    {
        using var scope = NewDisposeScope();
        var zero = Estimate(torch.zeros(4, 10, ScalarType.Float64));
        Assert.Equal(0, zero.CAlpha);
        Assert.Equal(0, zero.P);
        Assert.Equal(0, zero.Noise);
        var constant = Estimate(ones(4, 10, ScalarType.Float64).mul(0.3));
        Assert.True(double.IsPositiveInfinity(constant.CAlpha));
        Assert.Equal(1, constant.P);
        Assert.Equal(ConsolidationState.Strong, constant.State);
    }

    [Fact]
    public void LargeSignalDoesNotCancelTheNoise()
    {
        // Signal/noise ≈ 1e8 in float32: the shifted sums keep the small variance exact to float32 rounding.
        using var scope = NewDisposeScope();
        using var g = new Generator(8);
        var s64 = 100.0 + 1e-3 * randn([10, 5000], ScalarType.Float64, generator: g);
        var s32 = s64.to_type(ScalarType.Float32);
        var r = Estimate(s32);
        double reference = s32.to_type(ScalarType.Float64).var(0, unbiased: true).sum().item<double>();
        Assert.InRange(r.Noise / reference, 1 - 1e-4, 1 + 1e-4);
    }

    [Fact]
    public void PerTensorPartialsMergeToTheWholeVector()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(9);
        var s = randn([6, 30], ScalarType.Float64, generator: g) + 0.2;
        var whole = Estimate(s);
        using var acc = new GradientSampleAccumulator();
        for (long j = 0; j < 6; j++) acc.Add([s[j].narrow(0, 0, 10), s[j].narrow(0, 10, 20).view(4, 5)]);
        var merged = ConsolidationPartial.MergeAll(acc.Finish()).Finish();
        Assert.Equal(whole.Signal, merged.Signal, 1e-12);
        Assert.Equal(whole.Noise, merged.Noise, 1e-12);
        Assert.Throws<ArgumentException>(() => new ConsolidationPartial(5, 1, 1, 1).Merge(new ConsolidationPartial(6, 1, 1, 1)));
    }

    [Fact]
    public void MicroBatchAccumulatorEqualsIndependentSamples()
    {
        // The trainer hands cumulative sums G_j = (1/k) Σ_{i≤j} g_i; the result must equal the samples' own statistics.
        using var scope = NewDisposeScope();
        using var g = new Generator(10);
        int k = 8;
        var a = randn([k, 3, 7], ScalarType.Float64, generator: g) + 0.5;
        var b = randn([k, 11], ScalarType.Float64, generator: g) * 2;
        using var micro = new MicroBatchAccumulator(k);
        Tensor ca = zeros(3, 7, ScalarType.Float64), cb = zeros(11, ScalarType.Float64);
        for (int j = 0; j < k; j++)
        {
            ca = ca + a[j] / k;
            cb = cb + b[j] / k;
            micro.Observe([ca, cb]);
        }
        var fromMicro = micro.Finish([ca, cb]);
        double Var(Tensor t) => t.var(0, unbiased: true).sum().item<double>();
        double Sig(Tensor t) => t.mean([0]).square().sum().item<double>();
        Assert.Equal(Sig(a), fromMicro[0].MeanSquaredNorm, 1e-10);
        Assert.Equal(Var(a), fromMicro[0].TraceCovariance, 1e-10);
        Assert.Equal(Sig(b), fromMicro[1].MeanSquaredNorm, 1e-10);
        Assert.Equal(Var(b), fromMicro[1].TraceCovariance, 1e-10);
        Assert.Equal(k, fromMicro[0].SampleCount);
    }

    [Fact]
    public void RescalingToTheTrainingBatchDividesTheNoiseByK()
    {
        var r = ConsolidationRatio.From(8, 2.0, 16.0, sampleBatchSize: 64);
        var step = r.AtBatchSize(512);
        Assert.Equal(2.0, step.Noise, 12);
        Assert.Equal(1.0, step.CAlpha, 12);
        Assert.Equal(0.5, step.P, 12);
        // The signal's bias is that of the 8 samples as drawn (16/8 = 2), not the rescaled noise over 8:
        // here the whole seed-estimator C_α of 1 is bias.
        Assert.Equal(0.0, step.SignalUnbiased, 12);
        Assert.Equal(0.0, step.CAlphaUnbiased, 12);
        Assert.Throws<InvalidOperationException>(() => ConsolidationRatio.From(8, 1, 1).AtBatchSize(10));
    }

    [Theory]
    [InlineData(0.0, ConsolidationState.Failing)]
    [InlineData(0.399, ConsolidationState.Failing)]
    [InlineData(0.40, ConsolidationState.SubThreshold)]
    [InlineData(0.5, ConsolidationState.Critical)]
    [InlineData(0.6, ConsolidationState.Learning)]
    [InlineData(0.75, ConsolidationState.Strong)]
    [InlineData(1.0, ConsolidationState.Strong)]
    public void DecisionTableOfSection12(double p, ConsolidationState state) => Assert.Equal(state, ConsolidationStates.Classify(p));

    [Fact]
    public void FewerThanTwoSamplesIsAnError()
    {
        using var acc = new GradientSampleAccumulator();
        acc.Add([ones(3)]);
        Assert.Throws<InvalidOperationException>(() => acc.Finish());
        Assert.Throws<ArgumentOutOfRangeException>(() => new MicroBatchAccumulator(1));
        Assert.Throws<ArgumentException>(() => acc.Add([ones(4)]));
    }

    /// <summary>
    /// ConsolidationAnalysis.OfSamples rescales samples beyond 2^±500 by a power of two (C_α is scale-free), on its own
    /// copies: float64 samples given to it keep their values, and C_α of g·2^700 equals C_α of g to the bit (a power of two
    /// scales every square and sum exactly); the Hill index, built on logarithms of magnitudes, agrees to rounding.
    /// </summary>
    [Fact]
    public void RescalingLeavesTheCallersSamplesAlone()
    {
        using var g = new Generator(5);
        using var small = randn([6, 40], ScalarType.Float64, generator: g);
        using var huge = small.mul(Math.Pow(2, 700));
        var before = huge.data<double>().ToArray();
        var scaled = ConsolidationAnalysis.OfSamples([("w", huge)], 0, 5);
        var plain = ConsolidationAnalysis.OfSamples([("w", small)], 0, 5);
        Assert.Equal(before, huge.data<double>().ToArray());
        Assert.True(scaled.Scale > 1 && plain.Scale == 1);
        Assert.Equal(plain.Global.CAlpha, scaled.Global.CAlpha);
        Assert.Equal(plain.Tail.Alpha, scaled.Tail.Alpha, 1e-12 * plain.Tail.Alpha);
    }
}
