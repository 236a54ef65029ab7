using PhaseScope.Diagnosis;

namespace PhaseScope.Tests.Diagnosis;

/// <summary>
/// Each rule of <see cref="LossSpikeDetector"/>'s summary checked at its boundary, on series whose baseline median,
/// scatter and onset threshold are worked out by hand from the rule (log L; median of an even count is the mean of the
/// middle two; σ̂ = 1.4826·median|d − c|/√2 of the step-to-step changes d about their Hodges–Lehmann centre c; onset =
/// max(log Factor, MadMultiple·σ̂)). These pin the constants and the
/// comparisons that the planted-spike tests cannot see (mutation testing found them unchecked).
/// </summary>
public class LossSpikeDetectorRuleTests
{
    /// <summary>A detector fed at steps 1, 2, 3, …</summary>
    sealed class Series
    {
        long step;
        public LossSpikeDetector Detector { get; } = new();

        /// <summary>Observes exp(x) for each log-loss x; returns the last observation's change.</summary>
        public LossSpikeDetector.Change Log(params double[] logLosses)
        {
            var change = LossSpikeDetector.Change.None;
            foreach (var x in logLosses) change = Detector.Observe(++step, Math.Exp(x));
            return change;
        }

        /// <summary>Observes each loss as given.</summary>
        public void Loss(params double[] losses)
        {
            foreach (var l in losses) Detector.Observe(++step, l);
        }
    }

    static LossSpikeDetector Feed(params double[] logLosses)
    {
        var s = new Series();
        s.Log(logLosses);
        return s.Detector;
    }

    /// <summary>Ten baseline observations falling by 1 per observation on average, their step-to-step changes
    /// d = −1, −0.6, −1.4, −0.2, −1.8, 0.2, −2.2, 0.6, −2.6 (−1 plus 0, ±0.4, ±0.8, ±1.2, ±1.6): log L = 0, −1, −1.6,
    /// −3.0, −3.2, −5.0, −4.8, −7.0, −6.4, −9.0.</summary>
    static double[] SteepFall => [0, -1, -1.6, -3.0, -3.2, -5.0, -4.8, -7.0, -6.4, -9.0];

    [Fact]
    public void OnsetUsesTheRobustSigmaOfTheStepToStepChanges()
    {
        // Median of the ten (even count): (−4.8 − 3.2)/2 = −4.0. Changes: symmetric about −1, so their Hodges–Lehmann
        // centre (median of the pairwise means) is c = −1, |d + 1| = {0, .4, .4,
        // .8, .8, 1.2, 1.2, 1.6, 1.6} → median 0.8, σ̂ = 1.4826·0.8/√2 = 0.83869, onset = max(log 4 = 1.386,
        // 6·0.83869 = 5.0321): a spike needs log L ≥ −4.0 + 5.0321 = 1.0321. Without the √2 the onset would be 7.116;
        // without 1.4826, 3.394; from the MAD of log L itself (|x + 4| → MAD 2.4) 21.3. So 1.00 is no spike and 1.06 is
        // one, and each variant would decide one of the two otherwise.
        Assert.Empty(Feed([.. SteepFall, 1.00]).Spikes);
        var spike = Assert.Single(Feed([.. SteepFall, 1.06]).Spikes);
        Assert.Equal(11, spike.Onset);
        Assert.Equal(Math.Exp(-4.0), spike.BaselineLoss, 12);   // the even-count median, not either middle value
    }

    [Fact]
    public void AStraightFallHasNoScatter()
    {
        // log L falling by exactly 0.5 per observation: every change is −0.5, so is their centre, σ̂ = 0 and the onset is
        // the factor's log 4 above the median of 0, −0.5, …, −4.5 (−2.25). From the MAD of log L (1.25 here) it would be
        // 11.1: a jump to −0.8 (4.3× the median, e^{3.7} ≈ 40× the last loss) would be missed.
        double[] fall = [.. Enumerable.Range(0, 10).Select(i => -0.5 * i)];
        Assert.Empty(Feed([.. fall, -0.87]).Spikes);   // −0.87 + 2.25 = 1.38 < 1.386
        Assert.Equal(11, Assert.Single(Feed([.. fall, -0.8]).Spikes).Onset);
    }

    [Fact]
    public void OnsetFallsBackToTheFactorWhenTheBaselineIsFlat()
    {
        // A flat baseline (MAD 0): onset = log 4; log L − 0 ≥ 1.3863 starts a spike, 1.38 does not.
        double[] flat = [.. Enumerable.Repeat(0.0, 10)];
        Assert.Empty(Feed([.. flat, 1.38]).Spikes);
        Assert.Single(Feed([.. flat, 1.3865]).Spikes);
    }

    [Fact]
    public void TheBaselineMedianOfAnOddCountIsItsMiddleValue()
    {
        // Eleven observations 10, 9, …, 0 (log L) form the baseline (the eleventh, 0, is below its predecessors); every
        // change is −1, so is their centre, σ̂ = 0 and the onset is log 4 = 1.3863. Their median is 5 (odd count): log L = 6.39 is a spike
        // and 6.38 is not. Treated as an even count (the mean of the middle two, 4 and 5) the median would be 4.5 and
        // 6.38 would be one.
        double[] ramp = [.. Enumerable.Range(0, 11).Select(i => 10.0 - i)];
        var spike = Assert.Single(Feed([.. ramp, 6.39]).Spikes);
        Assert.Equal(12, spike.Onset);
        Assert.Equal(Math.Exp(5), spike.BaselineLoss, 9);
        Assert.Empty(Feed([.. ramp, 6.38]).Spikes);
    }

    [Fact]
    public void NoSpikeIsLookedForBeforeMinHistoryObservations()
    {
        // Nine flat observations, then a jump ×e⁵: only nine are in the baseline (MinHistory = 10), so it is no spike;
        // after ten flat ones the same jump is.
        Assert.Empty(Feed([.. Enumerable.Repeat(0.0, 9), 5]).Spikes);
        Assert.Single(Feed([.. Enumerable.Repeat(0.0, 10), 5]).Spikes);
    }

    [Fact]
    public void DivergenceIsALossAboveTenTimesTheLargestOfTheFirstTen()
    {
        // First ten losses: nine at 1 and the tenth at 2 (the tenth counts): divergence needs L > 10·2 = 20.
        double[] start = [.. Enumerable.Repeat(1.0, 9), 2.0];
        foreach (var (loss, diverging) in new[] { (15.0, false), (20.0, false), (20.5, true) })
        {
            var s = new Series();
            s.Loss([.. start, loss]);
            Assert.Equal(diverging, s.Detector.IsDiverging);
        }
        Assert.True(new LossSpikeDetector().Observe(1, double.NaN).HasFlag(LossSpikeDetector.Change.NonFinite));
    }

    /// <summary>Ten baseline observations whose first is e¹⁰ (training starts high, so the ×10 divergence rule needs
    /// log L > 12.3) and the rest 0: median 0; changes −10, 0 ×8, whose pairwise means are −10 (1), −5 (8) and 0 (36), so
    /// their centre is 0 and median|d − 0| = 0: σ̂ = 0, onset log 4 = 1.386 (about their mean −1.11 the spread would be
    /// 1.11, onset 6.99), a spike lasts while log L ≥ 0.693.</summary>
    static double[] HighStart => [10, .. Enumerable.Repeat(0.0, 9)];

    [Fact]
    public void ALongSpikeEndsWhenItHasFallenFactorSquaredBelowItsPeak()
    {
        // The spike climbs 2.1, 2.2, …, 4.9 (observations 11–39, the peak 4.9 at 39), so the median of its last ten
        // keeps rising by 1.0 (never settled). At the 30th observation in the spike (Window = 30) log L = 2.0 ≤
        // 4.9 − 2·log 4 = 2.127: recovered, it ends there, and the baseline restarts from the spike's last ten
        // observations {4.1, …, 4.9, 2.0}: median (4.4 + 4.5)/2.
        double[] climb = [.. Enumerable.Range(1, 29).Select(i => 2 + 0.1 * i)];
        var s = new Series();
        s.Log([.. HighStart, .. climb]);
        Assert.Null(Assert.Single(s.Detector.Spikes).End);
        Assert.Equal(LossSpikeDetector.Change.SpikeEnded, s.Log(2.0));
        var spike = Assert.Single(s.Detector.Spikes);
        Assert.Equal((11L, 39L, 40L), (spike.Onset, spike.Peak, spike.End!.Value));
        var last = climb.Skip(20).Append(2.0).Select(x => Math.Log(Math.Exp(x))).Order().ToArray();
        Assert.Equal(Math.Exp(0.5 * (last[4] + last[5])), s.Detector.Baseline, 9);
    }

    [Fact]
    public void AShorterSpikeDoesNotEndOnRecoveryAlone()
    {
        // The climb cut to 20 observations (peak 4.0), then log L = 1.0 (≤ 4.0 − 2.773 = 1.227, above 0.693):
        // recovered, but it has lasted fewer than Window = 30 observations, so the spike goes on.
        double[] climb = [.. Enumerable.Range(1, 20).Select(i => 2 + 0.1 * i)];
        var s = new Series();
        s.Log([.. HighStart, .. climb, 1.0]);
        Assert.Null(Assert.Single(s.Detector.Spikes).End);
        // Below half the onset threshold it ends at once, and that observation joins the old baseline:
        // {10, 0 ×9, 0.5} has median 0.
        Assert.Equal(LossSpikeDetector.Change.SpikeEnded, s.Log(0.5));
        Assert.Equal(32, s.Detector.Spikes[0].End);
        Assert.Equal(1.0, s.Detector.Baseline, 12);
    }

    [Fact]
    public void ASpikeThatSettlesAtANewLevelEnds()
    {
        // A spike holding at log L = 2 (×7.4, under the ×10 divergence rule): the median of its last ten equals that of
        // the ten before (trend 0, within log 0.8), so at its 30th observation it has settled and ends; the baseline
        // is then e².
        var s = new Series();
        s.Log([.. Enumerable.Repeat(0.0, 10), .. Enumerable.Repeat(2.0, 29)]);
        Assert.Null(s.Detector.Spikes[0].End);
        s.Log(2.0);
        Assert.Equal(40, s.Detector.Spikes[0].End);
        Assert.Equal(Math.Exp(2), s.Detector.Baseline, 9);
        Assert.False(s.Detector.IsDiverging);
    }

    [Fact]
    public void ASpikeThatNeitherFallsNorSettlesForFiftyObservationsIsDivergence()
    {
        // Climbing by 0.1 per observation from 2.1 (never above 12.3, so only the long-spike rule can fire): with 49
        // observations in the spike it is not divergence; at the 50th the median of its last ten is 1.0 above that of
        // the ten before (not 20 % lower), so it is.
        double[] climb = [.. Enumerable.Range(1, 49).Select(i => 2 + 0.1 * i)];
        var s = new Series();
        s.Log([.. HighStart, .. climb]);
        Assert.False(s.Detector.IsDiverging);
        Assert.True(s.Log(7.0).HasFlag(LossSpikeDetector.Change.Diverging));
        Assert.True(s.Detector.IsDiverging);
    }
}
