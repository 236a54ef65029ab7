using PhaseScope.Consolidation;

namespace PhaseScope.Tests.Consolidation;

/// <summary>
/// <see cref="ConsolidationRatio"/>'s rules on hand-picked sums, every expected value worked out in the comments:
/// C_α = ‖ḡ‖²/Tr Σ̂ and p = C/(1 + C) (seed 003 §3.1, §4.1), the bias Tr Σ̂/n and the clamp of the corrected p at 0,
/// the zero-noise and non-finite conventions, the round-off guard on a zero variance, and the rescaling of the
/// noise to another batch size (Tr Σ_b = Tr Σ_{b₀}·b₀/b).
/// </summary>
public class ConsolidationRatioRuleTests
{
    [Fact]
    public void TwoSamplesAreEnoughAndOneIsNot()
    {
        // n = 2: signal 3, noise 1 → C = 3, p = 3/4; bias 1/2, corrected C = (3 − 0.5)/1 = 2.5.
        var r = ConsolidationRatio.From(2, 3.0, 1.0);
        Assert.Equal(3.0, r.CAlpha);
        Assert.Equal(0.75, r.P);
        Assert.Equal(0.5, r.SignalBias);
        Assert.Equal(2.5, r.CAlphaUnbiased);
        Assert.Throws<ArgumentOutOfRangeException>(() => ConsolidationRatio.From(1, 3.0, 1.0));
    }

    [Theory]
    // signal, noise, n → C = S/N, p = C/(1 + C), bias N/n, C_u = (S − N/n)/N, p_u = max(0, C_u)/(1 + max(0, C_u))
    [InlineData(3.0, 4.0, 4, 0.75, 3.0 / 7, 1.0, 0.5, 1.0 / 3)]
    [InlineData(1.0, 1.0, 4, 1.0, 0.5, 0.25, 0.75, 3.0 / 7)]
    [InlineData(0.5, 4.0, 4, 0.125, 1.0 / 9, 1.0, -0.125, 0.0)]
    public void RatioProbabilityBiasAndCorrectedProbability(double signal, double noise, int n, double c, double p, double bias, double cu, double pu)
    {
        var r = ConsolidationRatio.From(n, signal, noise);
        Assert.Equal(c, r.CAlpha, 15);
        Assert.Equal(p, r.P, 15);
        Assert.Equal(bias, r.SignalBias, 15);
        Assert.Equal(signal - bias, r.SignalUnbiased, 15);
        Assert.Equal(cu, r.CAlphaUnbiased, 15);
        Assert.Equal(pu, r.PUnbiased, 15);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1.0, 0.5)]
    [InlineData(3.0, 0.75)]
    [InlineData(0.25, 0.2)]
    [InlineData(double.PositiveInfinity, 1.0)]
    public void ProbabilityIsCOverOnePlusC(double c, double p) => Assert.Equal(p, ConsolidationRatio.Probability(c), 15);

    [Fact]
    public void NonFiniteSumsGiveNaNAndZeroNoiseFollowsTheSignal()
    {
        // NaN signal: undefined even where the noise is zero (no 0/0 → −∞ by the sign rule).
        Assert.True(double.IsNaN(ConsolidationRatio.From(3, double.NaN, 0).CAlpha));
        Assert.True(double.IsNaN(ConsolidationRatio.From(3, double.NaN, 1).CAlpha));
        Assert.True(double.IsNaN(ConsolidationRatio.From(3, 1, double.NaN).CAlpha));
        // An infinite noise is not "all noise, C = 0": the estimate is undefined.
        Assert.True(double.IsNaN(ConsolidationRatio.From(3, 1, double.PositiveInfinity).CAlpha));
        Assert.True(double.IsNaN(ConsolidationRatio.From(3, 1, double.PositiveInfinity).P));
        // Zero noise: a positive signal is C = ∞, p = 1; a zero signal is C = 0, p = 0, corrected ones too.
        var deterministic = ConsolidationRatio.From(3, 2, 0);
        Assert.Equal((double.PositiveInfinity, 1.0, double.PositiveInfinity, 1.0),
            (deterministic.CAlpha, deterministic.P, deterministic.CAlphaUnbiased, deterministic.PUnbiased));
        var stationary = ConsolidationRatio.From(3, 0, 0);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (stationary.CAlpha, stationary.P, stationary.CAlphaUnbiased, stationary.PUnbiased));
    }

    [Fact]
    public void OnlyARoundOffNegativeNoiseIsReadAsZero()
    {
        // −1e−13 is within 1e−12 of the signal 1: the rounding of a zero variance, read as 0 → C = ∞.
        var rounded = ConsolidationRatio.From(4, 1.0, -1e-13);
        Assert.Equal(0.0, rounded.Noise);
        Assert.True(double.IsPositiveInfinity(rounded.CAlpha));
        // −1e−6 is far beyond it and is kept as given (not hidden as a zero variance).
        Assert.Equal(-1e-6, ConsolidationRatio.From(4, 1.0, -1e-6).Noise);
        // The tolerance scales with the signal: −1e−13 against a signal of 1e−6 is beyond 1e−12·1e−6 and is kept.
        Assert.Equal(-1e-13, ConsolidationRatio.From(4, 1e-6, -1e-13).Noise);
        // A positive noise is never touched.
        Assert.Equal(1e-13, ConsolidationRatio.From(4, 1.0, 1e-13).Noise);
    }

    [Fact]
    public void RescalingMultipliesTheNoiseByTheBatchRatioAndKeepsTheBias()
    {
        // b₀ = 16, noise 6, n = 3 (bias 2) at b = 48: noise 6·16/48 = 2; signal 5 → C = 2.5, corrected (5 − 2)/2 = 1.5.
        var r = ConsolidationRatio.From(3, 5.0, 6.0, sampleBatchSize: 16).AtBatchSize(48);
        Assert.Equal((2.0, 48, 2.0), (r.Noise, r.SampleBatchSize, r.SignalBias));
        Assert.Equal(2.5, r.CAlpha, 15);
        Assert.Equal(1.5, r.CAlphaUnbiased, 15);
        // To a smaller batch the noise grows: 6·16/4 = 24.
        Assert.Equal(24.0, ConsolidationRatio.From(3, 5.0, 6.0, sampleBatchSize: 16).AtBatchSize(4).Noise, 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => ConsolidationRatio.From(3, 5.0, 6.0, sampleBatchSize: 16).AtBatchSize(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConsolidationRatio.From(3, 5.0, 6.0, sampleBatchSize: 16).AtBatchSize(-4));
        Assert.Equal(6.0, ConsolidationRatio.From(3, 5.0, 6.0, sampleBatchSize: 1).AtBatchSize(1).Noise);
        Assert.Throws<InvalidOperationException>(() => ConsolidationRatio.From(3, 5.0, 6.0, sampleBatchSize: -1).AtBatchSize(4));
    }
}
