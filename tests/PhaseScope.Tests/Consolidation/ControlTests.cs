using PhaseScope.Consolidation;
using PhaseScope.Control;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Consolidation;

public class ControlTests
{
    [Theory]
    [InlineData(0.1, 0.1)]
    [InlineData(0.399, 0.1)]
    [InlineData(0.4, 0.5)]
    [InlineData(0.55, 1.0)]
    [InlineData(0.6, 1.5)]
    [InlineData(0.9, 2.0)]
    public void SeedBandsOfSection11_3(double p, double multiplier)
    {
        var policy = new AdaptiveLearningRate(1e-3);
        policy.Observe(1, p);
        Assert.Equal(1e-3 * multiplier, policy.LearningRate, 15);
    }

    [Fact]
    public void ChangesAreReportedOnlyWhenTheBandChangesAndReachTheOptimizer()
    {
        var policy = new AdaptiveLearningRate(1e-3, LearningRateBand.Parse("0.5:0.5,inf:2"));
        Assert.NotNull(policy.Observe(1, 0.3));
        Assert.Null(policy.Observe(2, 0.35));
        var change = policy.Observe(3, 0.7);
        Assert.Equal((5e-4, 2e-3), (change!.From, change.To));
        using var w = new TorchSharp.Modules.Parameter(zeros(3));
        using var opt = optim.AdamW([w], 1e-3);
        AdaptiveLearningRate.SetOn(opt, policy.LearningRate);
        Assert.All(opt.ParamGroups, g => Assert.Equal(2e-3, g.LearningRate, 15));
    }

    [Theory]
    [InlineData("0.5:0.5", "must end at 'inf'")]
    [InlineData("0.5:0.5,0.4:1,inf:2", "must increase")]
    [InlineData("0.5:-1,inf:2", "positive finite")]
    [InlineData("0.5,inf:2", "upper_p:multiplier")]
    [InlineData("", "empty")]
    public void MalformedBandTablesNameTheProblem(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => LearningRateBand.Parse(text));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void EarlyStoppingCriteriaOfSection11_4()
    {
        var lowP = new EarlyStopping(window: 3, fallingC: false, negativeI: false);
        Assert.Null(lowP.Observe(1, 0.40, 0.7));
        Assert.Null(lowP.Observe(2, 0.46, 0.9));
        Assert.Null(lowP.Observe(3, 0.40, 0.7));
        Assert.Null(lowP.Observe(4, 0.44, 0.8));
        Assert.Equal(StopCriterion.PersistentlyLowP, lowP.Observe(5, 0.30, 0.4)!.Criterion);

        var falling = new EarlyStopping(window: 4, lowP: false, negativeI: false);
        Assert.Null(falling.Observe(1, 0.9, 5));
        Assert.Null(falling.Observe(2, 0.9, 4));
        Assert.Null(falling.Observe(3, 0.9, 4));
        Assert.Equal(StopCriterion.FallingConsolidation, falling.Observe(4, 0.9, 3)!.Criterion);
        var flat = new EarlyStopping(window: 3, lowP: false, negativeI: false);
        foreach (var s in new[] { 1, 2, 3 }) Assert.Null(flat.Observe(s, 0.9, 2)); // non-increasing but not lower: no stop

        var divergence = new EarlyStopping(window: 10, lowP: false, fallingC: false);
        Assert.Null(divergence.Observe(1, 0.9, 5, 0.3));
        Assert.Null(divergence.Observe(2, 0.9, 5));
        Assert.Equal(StopCriterion.NegativeIntelligence, divergence.Observe(3, 0.9, 5, -0.1)!.Criterion);
        Assert.Throws<ArgumentException>(() => new EarlyStopping(lowP: false, fallingC: false, negativeI: false));
    }

    [Fact]
    public void SmoothedCrossingDoesNotFlapOnNoise()
    {
        var detector = new PhaseCrossing(window: 4);
        var events = new List<PhaseCrossingEvent>();
        // Noise around 0.45: raw values cross 0.5 often, their mean does not.
        double[] noisy = [0.40, 0.52, 0.41, 0.51, 0.42, 0.53, 0.40, 0.52, 0.41, 0.50];
        foreach (var p in noisy) if (detector.Observe(p) is { } e) events.Add(e);
        Assert.Empty(events);
        foreach (var p in new[] { 0.6, 0.7, 0.7, 0.7 }) if (detector.Observe(p) is { } e) events.Add(e);
        Assert.Single(events);
        Assert.True(events[0].Upward);
        foreach (var p in new[] { 0.2, 0.2, 0.2, 0.2 }) if (detector.Observe(p) is { } e) events.Add(e);
        Assert.Equal(2, events.Count);
        Assert.False(events[1].Upward);

        var raw = new PhaseCrossing(window: 1);
        int flips = noisy.Count(p => raw.Observe(p) is not null);
        Assert.True(flips >= 8, $"the seed's raw comparison flips on noise ({flips})");
    }

    [Fact]
    public void ControllersReturnToASavedStateAndGoOnAsIfNeverStopped()
    {
        // Adaptive rate: after p = 0.45 (band 1, ×0.5) a restored policy is in that band: the same p changes nothing.
        var policy = new AdaptiveLearningRate(1e-3);
        Assert.Null(policy.BandIndex);
        policy.Observe(5, 0.45);
        Assert.Equal(1, policy.BandIndex);
        var restored = new AdaptiveLearningRate(1e-3);
        restored.Restore(policy.BandIndex);
        Assert.Equal(5e-4, restored.LearningRate);
        Assert.Null(restored.Observe(10, 0.47));
        Assert.Equal(5e-4, restored.LearningRate);
        restored.Restore(null);
        Assert.Equal(1e-3, restored.LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => restored.Restore(5));

        // Early stopping: two readings below 0.45 carried over, the third fires (window 3), as without the interruption.
        var stop = new EarlyStopping(window: 3, fallingC: false, negativeI: false);
        stop.Observe(1, 0.3, 1.0);
        stop.Observe(2, 0.2, 1.0);
        var again = new EarlyStopping(window: 3, fallingC: false, negativeI: false);
        again.Restore(stop.Recent);
        Assert.Equal(StopCriterion.PersistentlyLowP, again.Observe(3, 0.1, 1.0)?.Criterion);
        Assert.Throws<ArgumentException>(() => again.Restore([(0.1, 1.0), (0.1, 1.0), (0.1, 1.0), (0.1, 1.0)]));
    }
}
