using PhaseScope.Consolidation;

namespace PhaseScope.Tests.Consolidation;

/// <summary>
/// <see cref="PhaseCrossing"/>'s rule on dyadic values, whose means are exact in binary: smoothed p is the mean of the
/// last window values, nothing is reported until the window is full, and a crossing needs the mean strictly past the
/// threshold, a mean equal to it counting as below (seed 003 §5: the transition is p crossing 0.5).
/// </summary>
public class PhaseCrossingRuleTests
{
    [Fact]
    public void SmoothedPIsTheExactMeanAndAMeanOfExactlyOneHalfIsNoCrossing()
    {
        var d = new PhaseCrossing(window: 3);
        Assert.Null(d.Observe(0.25));
        Assert.Null(d.Observe(0.25));
        Assert.True(double.IsNaN(d.Smoothed));
        Assert.Null(d.Observe(0.25));            // the first full window sets the side: below
        Assert.Equal(0.25, d.Smoothed);
        Assert.Null(d.Observe(1.0));             // (0.25 + 0.25 + 1)/3 = 0.5: not above 0.5
        Assert.Equal(0.5, d.Smoothed);
        var up = d.Observe(1.0);                 // (0.25 + 1 + 1)/3 = 0.75
        Assert.NotNull(up);
        Assert.Equal((true, 0.75, 0.5), (up.Upward, up.Smoothed, up.Before));
        Assert.Null(d.Observe(1.0));             // 1.0: still above, no second event
        Assert.Null(d.Observe(0.0));             // 2/3: above
        var down = d.Observe(0.0);               // 1/3: below, a crossing
        Assert.Equal((false, 1.0 / 3, 2.0 / 3), (down!.Upward, down.Smoothed, down.Before));
    }

    [Fact]
    public void AMeanOfExactlyTheThresholdCountsAsBelowIt()
    {
        // "Above" is strictly above, so from above a mean of exactly 0.5 is a downward crossing.
        var d = new PhaseCrossing(window: 2);
        Assert.Null(d.Observe(0.75));
        Assert.Null(d.Observe(0.75));            // side: above
        var down = d.Observe(0.25);              // (0.75 + 0.25)/2 = 0.5
        Assert.Equal((false, 0.5, 0.75), (down!.Upward, down.Smoothed, down.Before));
    }

    [Fact]
    public void NaNIsIgnoredAndAWindowOfOneIsTheRawComparison()
    {
        var d = new PhaseCrossing(window: 1, threshold: 0.5);
        Assert.Null(d.Observe(0.25));
        Assert.Null(d.Observe(double.NaN));
        Assert.Equal(0.25, d.Smoothed);
        var up = d.Observe(0.625);
        Assert.Equal((true, 0.625, 0.25), (up!.Upward, up.Smoothed, up.Before));
    }
}
