using PhaseScope.SpectralEdge;

namespace PhaseScope.Tests.SpectralEdge;

/// <summary>
/// <see cref="GapEventDetector"/>'s hysteresis and persistence at their boundaries (seed 001, Def. 10.4 gap collapse,
/// Def. 10.6 gap opening, the k* shift of Test 7): open at R ≥ 1.5, closed at R ≤ 1.2 (both inclusive), the first
/// reading decides the side without an event (or leaves it undecided between the two), a new k* fires once it has
/// held for the persistence count, k* = 0 (undefined) and NaN ratios change nothing.
/// </summary>
public class GapEventDetectorRuleTests
{
    static List<(long Step, GapEventKind Kind)> Feed(GapEventDetector d, params (double R, int K)[] readings)
    {
        var events = new List<(long, GapEventKind)>();
        for (int i = 0; i < readings.Length; i++)
            foreach (var e in d.Observe(i, readings[i].R, readings[i].K)) events.Add((i, e.Kind));
        return events;
    }

    [Fact]
    public void BothThresholdsAreInclusive()
    {
        var d = new GapEventDetector(openAbove: 1.5, collapseBelow: 1.25);
        // 1.25 closes at the start, 1.5 exactly opens, 1.25 exactly collapses, 1.5 exactly opens again.
        var events = Feed(d, (1.25, 1), (1.5, 1), (1.25, 1), (1.5, 1));
        Assert.Equal(new (long, GapEventKind)[] { (1, GapEventKind.GapOpened), (2, GapEventKind.GapCollapsed), (3, GapEventKind.GapOpened) }, events);
        Assert.True(d.IsOpen);
    }

    [Fact]
    public void TheFirstReadingSetsTheSideWithoutAnEventOrLeavesItUndecided()
    {
        var open = new GapEventDetector();
        Assert.Empty(Feed(open, (1.5, 1)));
        Assert.True(open.IsOpen);
        var closed = new GapEventDetector();
        Assert.Empty(Feed(closed, (1.2, 1)));
        Assert.False(closed.IsOpen);
        // Between the thresholds the side stays undecided; the first reading past one of them decides it, still silently.
        var between = new GapEventDetector();
        Assert.Empty(Feed(between, (1.3, 1), (1.4, 1)));
        Assert.Null(between.IsOpen);
        Assert.Empty(between.Observe(2, 1.6, 1));
        Assert.True(between.IsOpen);
        Assert.Equal(GapEventKind.GapCollapsed, Assert.Single(between.Observe(3, 1.1, 1)).Kind);
    }

    [Fact]
    public void ARatioInsideTheBandKeepsTheState()
    {
        var d = new GapEventDetector();
        // Open, then 1.3 and 1.21 (inside the band): no collapse until 1.2.
        Assert.Equal(new (long, GapEventKind)[] { (3, GapEventKind.GapCollapsed) }, Feed(d, (2.0, 1), (1.3, 1), (1.21, 1), (1.2, 1)));
    }

    [Fact]
    public void NaNRatiosAreSkippedButTheirKStarCounts()
    {
        var d = new GapEventDetector(persistence: 1);
        var events = Feed(d, (1.1, 1), (double.NaN, 2), (1.6, 2));
        Assert.Equal(new (long, GapEventKind)[] { (1, GapEventKind.KStarShift), (2, GapEventKind.GapOpened) }, events);
    }

    [Fact]
    public void PersistenceOneFiresAtTheFirstNewKStarAndZeroIsNoKStar()
    {
        var d = new GapEventDetector(persistence: 1);
        // k* = 0 is "undefined": it neither sets the first k* nor counts as a move away from it.
        var events = Feed(d, (1.3, 0), (1.3, 2), (1.3, 0), (1.3, 0), (1.3, 3), (1.3, 3));
        Assert.Equal(new (long, GapEventKind)[] { (4, GapEventKind.KStarShift) }, events);
        Assert.Equal((3, 3, 0), (d.State.StableK, d.State.CandidateK, d.State.CandidateCount));
    }

    [Fact]
    public void PersistenceThreeNeedsThreeConsecutiveReadingsOfTheSameNewKStar()
    {
        var d = new GapEventDetector(persistence: 3);
        // Stable 1; 2, 2, then back to 1 resets; 2, 3 restarts the count at 3; 3, 3 fires at the third 3.
        var events = Feed(d, (1.3, 1), (1.3, 2), (1.3, 2), (1.3, 1), (1.3, 2), (1.3, 3), (1.3, 3), (1.3, 3));
        Assert.Equal(new (long, GapEventKind)[] { (7, GapEventKind.KStarShift) }, events);
    }

    [Fact]
    public void ARestoredDetectorGoesOnAsIfNeverStopped()
    {
        var whole = new GapEventDetector(persistence: 2);
        var first = new GapEventDetector(persistence: 2);
        (double, int)[] before = [(1.6, 1), (1.3, 2)];
        Feed(whole, before);
        Feed(first, before);
        var (open, stable, candidate, count) = first.State;
        Assert.Equal(((bool?)true, 1, 2, 1), (open, stable, candidate, count));
        var resumed = new GapEventDetector(persistence: 2);
        resumed.Restore(open, stable, candidate, count);
        // The next reading (k* 2 again, ratio 1.1) completes the shift and the collapse in both.
        var a = whole.Observe(2, 1.1, 2).Select(e => e.Kind);
        var b = resumed.Observe(2, 1.1, 2).Select(e => e.Kind);
        Assert.Equal(new[] { GapEventKind.GapCollapsed, GapEventKind.KStarShift }, a);
        Assert.Equal(a, b);
        Assert.Throws<ArgumentException>(() => resumed.Restore(null, -1, 0, 0));
        Assert.Throws<ArgumentException>(() => resumed.Restore(null, 0, -1, 0));
        Assert.Throws<ArgumentException>(() => resumed.Restore(null, 0, 0, -1));
        resumed.Restore(null, 0, 0, 0);   // zeros are the fresh state
        Assert.Null(resumed.IsOpen);
    }

    [Fact]
    public void ThresholdsNeedOneAtMostCollapseBelowOpen()
    {
        _ = new GapEventDetector(openAbove: 1.5, collapseBelow: 1.0);   // a collapse at R = 1 is allowed
        Assert.Throws<ArgumentOutOfRangeException>(() => new GapEventDetector(openAbove: 1.5, collapseBelow: 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GapEventDetector(openAbove: 1.3, collapseBelow: 1.3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GapEventDetector(persistence: 0));
    }
}
