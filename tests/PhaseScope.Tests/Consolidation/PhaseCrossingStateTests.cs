using PhaseScope.Consolidation;

namespace PhaseScope.Tests.Consolidation;

/// <summary>
/// <see cref="PhaseCrossing"/> beyond its rule: the threshold is any value strictly inside (0, 1), and a state saved
/// and restored (into a fresh detector or one that has seen other values) gives the crossings of the uninterrupted
/// detector. Values are dyadic so every mean is exact.
/// </summary>
public class PhaseCrossingStateTests
{
    [Fact]
    public void TheThresholdLiesStrictlyInsideTheUnitInterval()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhaseCrossing(threshold: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhaseCrossing(threshold: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhaseCrossing(threshold: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhaseCrossing(window: 0));
        // A threshold of 0.75 with window 2: (0.5 + 1)/2 = 0.75 is not above it, (1 + 1)/2 is.
        var d = new PhaseCrossing(window: 2, threshold: 0.75);
        Assert.Null(d.Observe(0.5));
        Assert.Null(d.Observe(0.5));
        Assert.Null(d.Observe(1.0));
        var up = d.Observe(1.0);
        Assert.Equal((true, 1.0, 0.75), (up!.Upward, up.Smoothed, up.Before));
    }

    [Fact]
    public void ARestoredDetectorReportsTheCrossingsOfAnUninterruptedOne()
    {
        // Window 3 over 0.25, 0.25, 0.25, 1, then 1: means 0.25, 0.5, 0.75 → the upward crossing at the fifth value.
        var whole = new PhaseCrossing(window: 3);
        var saved = new PhaseCrossing(window: 3);
        foreach (var p in new[] { 0.25, 0.25, 0.25, 1.0 }) { whole.Observe(p); saved.Observe(p); }
        var (recent, sum, above, last) = saved.State;
        Assert.Equal(new[] { 0.25, 0.25, 1.0 }, recent);
        Assert.Equal((1.5, (bool?)false, 0.5), (sum, above, last));

        // Into a detector that already holds other values: the restore replaces them, it does not add to them.
        var resumed = new PhaseCrossing(window: 3);
        foreach (var p in new[] { 0.875, 0.875 }) resumed.Observe(p);
        resumed.Restore(recent, sum, above, last);
        Assert.Equal(0.5, resumed.Smoothed);
        var expected = whole.Observe(1.0);
        var got = resumed.Observe(1.0);
        Assert.Equal((true, 0.75, 0.5), (expected!.Upward, expected.Smoothed, expected.Before));
        Assert.Equal(expected, got);
    }

    [Fact]
    public void ABufferLongerThanTheWindowIsRefused()
    {
        var d = new PhaseCrossing(window: 2);
        d.Restore([0.25, 0.75], 1.0, null, double.NaN);   // a full window is a valid state
        Assert.Equal(0.5, d.Smoothed);
        Assert.Throws<ArgumentException>(() => d.Restore([0.25, 0.5, 0.75], 1.5, null, double.NaN));
    }
}
