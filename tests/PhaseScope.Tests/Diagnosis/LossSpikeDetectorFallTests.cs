using System.Globalization;
using PhaseScope.Diagnosis;

namespace PhaseScope.Tests.Diagnosis;

/// <summary>
/// Spikes while the loss is still falling steeply: the case where the MAD of log L itself (the trend counted as
/// scatter) hid them and the scatter of its step-to-step changes does not (<see cref="LossSpikeDetector"/>).
/// </summary>
public class LossSpikeDetectorFallTests
{
    /// <summary>L_i = (3·e^{−i/10} + 10⁻³)·e^{wiggle·sin i}, i = 0…199, observed at step 10·i: log L falls by 0.1 per
    /// observation for ≈ 70 observations, then flattens at 10⁻³; the wiggle is a deterministic stand-in for noise.</summary>
    static double[] Decay(double wiggle) =>
        [.. Enumerable.Range(0, 200).Select(i => (3 * Math.Exp(-i / 10.0) + 1e-3) * Math.Exp(wiggle * Math.Sin(i)))];

    static LossSpikeDetector Observe(double[] loss)
    {
        var detector = new LossSpikeDetector();
        for (int i = 0; i < loss.Length; i++) detector.Observe(10L * i, loss[i]);
        return detector;
    }

    static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }

    [Fact]
    public void SpikesDuringAndAfterTheFallAreFoundAtTheirSteps()
    {
        // One-observation spikes ×50 at i = 20, 45 (log L still falling by 0.1 per observation), 80 (the knee) and 150
        // (flat). The baseline is the median of the previous 30 observations (all of them before i = 30), which lags the
        // falling loss by ≈ 15 observations: e^{−1.5} ≈ 0.22, so ×50 is ×13–19 over it (×46 once flat), above the ×4
        // floor; the scatter of the changes about their centre (the wiggle's, σ̂ ≈ 0.07) puts 6σ̂ below log 4. The MAD of log L over a window spanning a fall of
        // 3 in log L is ≈ 0.75, and its threshold 6·1.4826·0.75 ≈ 6.7 (×800) would hide the first three.
        int[] at = [20, 45, 80, 150];
        var loss = Decay(0.1);
        foreach (int i in at) loss[i] *= 50;
        var detector = Observe(loss);
        Assert.Equal(at.Select(i => 10L * i), detector.Spikes.Select(s => s.Onset));
        Assert.Equal(at.Select(i => 10L * (i + 1)), detector.Spikes.Select(s => s.End!.Value));   // back on the curve at once
        foreach (var (spike, i) in detector.Spikes.Zip(at))   // the baseline: the median of the last 30 observations before it, spikes left out
        {
            var window = Enumerable.Range(0, i).Where(j => !at.Contains(j)).TakeLast(30).Select(j => Math.Log(loss[j]));
            Assert.Equal(Math.Exp(Median(window)), spike.BaselineLoss, 12);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.3)]
    public void TheFallAloneRaisesNoAlarm(double wiggle)
    {
        // The same decay with no spike, through the knee where the slope of log L changes from −0.1 to 0: the changes'
        // spread about their centre there (σ̂ ≤ 0.02 without the wiggle) stays far below log 4; a wiggle of 0.3 raises σ̂
        // (to ≈ 0.2) and the threshold, not an alarm.
        var detector = Observe(Decay(wiggle));
        Assert.Empty(detector.Spikes);
        Assert.False(detector.IsDiverging);
    }

    [Fact]
    public void APeriodTwoOscillationIsScatterNotASpike()
    {
        // log L alternating 0, 3 (×20) for 40 observations: the changes are ±3, most of their pairwise means 0, so their
        // centre is 0, |d − 0| = 3, σ̂ = 1.4826·3/√2 = 3.15 and the onset 18.9; a high point is 1.5 above the window's
        // median 1.5, no spike. (Centred on their median, ±3 with one sign in the majority, the changes have MAD 0: onset log 4, and a
        // high point would be one.)
        var detector = Observe([.. Enumerable.Range(0, 40).Select(i => Math.Exp(i % 2 == 0 ? 3.0 : 0.0))]);
        Assert.Empty(detector.Spikes);
    }

    /// <summary>The stored training loss (every 5 steps, 600 steps) of the four runs of the instability forecast's
    /// measurement (docs/INSTABILITY.md, "The instability forecast, measured"; modular p = 23, lr 0.01–0.03) that hold
    /// its 9 spike starts.</summary>
    static Dictionary<string, List<(long Step, double Loss)>> Stored() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Diagnosis", "Data", "forecast-modular-spikes.csv")).Skip(1)
            .Select(l => l.Split(','))
            .GroupBy(f => f[0], f => (long.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToDictionary(g => g.Key, g => g.ToList());

    [Theory]
    [InlineData("spike-mod-s1", new long[] { 210, 275, 465 })]
    [InlineData("spike-mod-s4", new long[] { 110, 190, 280, 355 })]
    [InlineData("stable-mod-s5", new long[] { 600 })]
    [InlineData("stable-mod-s6", new long[] { 480 })]
    public void TheForecastMeasurementsSpikeStartsAreFlagged(string run, long[] starts)
    {
        // The starts are the measurement's ground truth (instability-forecast.py: a loss ≥ 10× the median of the previous
        // 20 observations), a rule apart from the detector's; the detector is fed the series as the diagnosis is.
        var detector = new LossSpikeDetector();
        foreach (var (step, loss) in Stored()[run]) detector.Observe(step, loss);
        var onsets = detector.Spikes.Select(s => s.Onset).ToHashSet();
        Assert.All(starts, s => Assert.Contains(s, onsets));
    }
}
