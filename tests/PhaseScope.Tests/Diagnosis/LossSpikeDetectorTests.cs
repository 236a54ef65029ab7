using PhaseScope.Diagnosis;

namespace PhaseScope.Tests.Diagnosis;

public class LossSpikeDetectorTests
{
    /// <summary>A falling loss, exp(−t/τ) towards 1e-3, every 10 steps, with log-normal noise of σ = 0.3.</summary>
    static double[] Background(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(i =>
        {
            double z = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            return (4.6 * Math.Exp(-i / 40.0) + 1e-3) * Math.Exp(0.3 * z);
        }).ToArray();
    }

    [Fact]
    public void PlantedSpikesAreFoundAndNothingElse()
    {
        // Five spikes (observation index, length, height over the background) planted in 600 observations; each is
        // well above the onset threshold at this scatter (≈ 6× at σ = 0.3, see the detector) even after a 2σ dip.
        (int At, int Length, double Height)[] planted = [(240, 3, 30), (290, 6, 200), (330, 2, 12), (400, 8, 1000), (510, 4, 15)];
        int hits = 0, falseAlarms = 0;
        foreach (int seed in new[] { 1, 2, 3, 4, 5 })
        {
            var loss = Background(600, seed);
            foreach (var (at, length, height) in planted)
                for (int j = 0; j < length; j++) loss[at + j] *= height;
            var detector = new LossSpikeDetector();
            for (int i = 0; i < loss.Length; i++) detector.Observe(10L * i, loss[i]);
            foreach (var s in detector.Spikes)
            {
                var match = planted.Where(p => s.Onset >= 10L * p.At && s.Onset < 10L * (p.At + p.Length)).ToList();
                if (match.Count == 1) hits++; else falseAlarms++;
            }
            Assert.All(detector.Spikes, s => Assert.NotNull(s.End));
            Assert.Equal(planted.Select(p => 10L * p.At), detector.Spikes.Select(s => s.Onset));
        }
        Assert.Equal(25, hits);
        Assert.Equal(0, falseAlarms);
    }

    [Fact]
    public void NoiseAloneRaisesNoAlarm()
    {
        int alarms = 0;
        foreach (int seed in Enumerable.Range(10, 10))
        {
            var detector = new LossSpikeDetector();
            var loss = Background(2000, seed);
            for (int i = 0; i < loss.Length; i++) detector.Observe(10L * i, loss[i]);
            alarms += detector.Spikes.Count;
            Assert.False(detector.IsDiverging);
        }
        Assert.Equal(0, alarms);
    }

    [Fact]
    public void SpikeEndsWhenTheLossReturnsBelowHalfTheThreshold()
    {
        // Flat loss 0.01 (no scatter): threshold log 4; the spike lasts while L ≥ 2 × 0.01 (half the threshold in log space).
        var detector = new LossSpikeDetector { DivergenceFactor = 1e6 };
        for (int i = 0; i < 20; i++) detector.Observe(i, 0.01);
        Assert.Equal(LossSpikeDetector.Change.None, detector.Observe(20, 0.039));        // 3.9× < 4×: no spike
        Assert.Equal(LossSpikeDetector.Change.SpikeStarted, detector.Observe(21, 0.05)); // 5×
        Assert.Equal(LossSpikeDetector.Change.None, detector.Observe(22, 0.5));          // peak, 50×
        Assert.Equal(LossSpikeDetector.Change.None, detector.Observe(23, 0.021));        // 2.1× ≥ 2×: still on
        Assert.Equal(LossSpikeDetector.Change.SpikeEnded, detector.Observe(24, 0.019));
        var s = Assert.Single(detector.Spikes);
        Assert.Equal((21L, 22L, 0.5, 24L), (s.Onset, s.Peak, s.PeakLoss, s.End!.Value));
        Assert.Equal(50, s.Ratio, 9);
    }

    [Fact]
    public void LossThatKeepsClimbingIsDivergence()
    {
        var detector = new LossSpikeDetector();
        var changes = new List<LossSpikeDetector.Change>();
        for (int i = 0; i < 30; i++) changes.Add(detector.Observe(i, 1.0 - 0.01 * i));
        for (int i = 30; i < 60; i++) changes.Add(detector.Observe(i, 0.7 * Math.Pow(1.3, i - 29)));
        Assert.True(detector.IsDiverging);
        Assert.Single(changes, c => c.HasFlag(LossSpikeDetector.Change.Diverging));
        Assert.Equal(LossSpikeDetector.Change.NonFinite, detector.Observe(61, double.NaN));
    }
}
