using PhaseScope.Monitoring;
using PhaseScope.Reporting.Evaluation;

namespace PhaseScope.Tests.Verdict;

/// <summary>Hit rate, lead time and both false-positive rates on a hand-built sweep whose answers are counted by hand.</summary>
public class IndicatorScoreTests
{
    static readonly Dictionary<string, IReadOnlyList<(long, double)>> NoSeries = [];

    static SweepRun Run(string name, string op, int seed, double wd, long? grok, params (string Kind, long Step)[] events) =>
        new(name, "modular", op, seed, wd, grok, 3000, events.Select(e => new MonitorEvent(e.Step, e.Kind, "probe", "")).ToList(), NoSeries);

    /// <summary>
    /// W = 300. Grokking: A (add, seed 1) at 1000 with gap_opened at 500 and 900 (window [700, 1000]: first 900, lead 100) and
    /// p_crossed_up at 100 (outside); B (add, seed 2) at 2000 with gap_opened at 1800 (lead 200). Controls: C (add, seed 1)
    /// is paired with A, window [700, 1000], gap_opened at 950: a matched false positive; D (mul, seed 3) has no pair, so
    /// its window sits at the median grok step 1500 ([1200, 1500]); its gap_opened at 100 is a false positive only
    /// "anywhere". So gap_opened: 2/2 hits, leads {100, 200} (median 150), matched 1/2, anywhere 2/2; p_crossed_up: 0/2, 0/2, 0/2.
    /// </summary>
    [Fact]
    public void CountsMatchTheHandCount()
    {
        var runs = new[]
        {
            Run("A", "add", 1, 1.0, 1000, ("gap_opened", 500), ("gap_opened", 900), ("p_crossed_up", 100)),
            Run("B", "add", 2, 1.0, 2000, ("gap_opened", 1800)),
            Run("C", "add", 1, 0.0, null, ("gap_opened", 950)),
            Run("D", "mul", 3, 0.0, null, ("gap_opened", 100)),
        };
        var scores = IndicatorScore.Score(runs, 300).ToDictionary(s => s.Kind);
        Assert.Equal(["gap_opened", "p_crossed_up"], scores.Keys.Order());

        var gap = scores["gap_opened"];
        Assert.Equal((2, 2, 1, 2, 2), (gap.Hits, gap.Grokking, gap.MatchedFalsePositives, gap.AnywhereFalsePositives, gap.Controls));
        Assert.Equal([100L, 200L], gap.LeadTimes.Order());
        Assert.Equal(150, gap.MedianLead);
        Assert.Equal(0.5, gap.MatchedFalsePositiveRate);

        var p = scores["p_crossed_up"];
        Assert.Equal((0, 2, 0, 0), (p.Hits, p.Grokking, p.MatchedFalsePositives, p.AnywhereFalsePositives));
        Assert.True(double.IsNaN(p.MedianLead));
    }

    /// <summary>An event exactly W before the grok step and one at the grok step both count; one step earlier does not.</summary>
    [Fact]
    public void WindowIsClosedAtBothEnds()
    {
        var edge = IndicatorScore.Score([Run("A", "add", 1, 1, 1000, ("k", 700))], 300).Single();
        var inside = IndicatorScore.Score([Run("A", "add", 1, 1, 1000, ("k", 1000))], 300).Single();
        var outside = IndicatorScore.Score([Run("A", "add", 1, 1, 1000, ("k", 699))], 300).Single();
        Assert.Equal([300L], edge.LeadTimes);
        Assert.Equal([0L], inside.LeadTimes);
        Assert.Equal(0, outside.Hits);
    }

    /// <summary>Without grokking runs a control has no window to be matched against: no matched false positive, while
    /// "anywhere" still counts; rates over empty sets are NaN, not 0.</summary>
    [Fact]
    public void ControlsOnlyHaveNoMatchedWindow()
    {
        var s = IndicatorScore.Score([Run("C", "add", 1, 0, null, ("k", 10))], 1000).Single();
        Assert.Equal((0, 1, 1), (s.MatchedFalsePositives, s.AnywhereFalsePositives, s.Controls));
        Assert.True(double.IsNaN(s.HitRate));
    }
}

/// <summary>The Wilson interval against its closed forms: at k = 0 the upper end is (z²/n)/(1 + z²/n); at k = n the
/// lower end is 1 minus that; and a textbook value (Wilson 1927 form, computed by hand): 5/10 → 0.2366–0.7634.</summary>
public class WilsonIntervalTests
{
    [Theory]
    [InlineData(6)]
    [InlineData(24)]
    [InlineData(100)]
    public void EndsMatchTheClosedForms(int n)
    {
        double z2 = WilsonInterval.Z95 * WilsonInterval.Z95, edge = z2 / n / (1 + z2 / n);
        var zero = WilsonInterval.Of(0, n);
        var all = WilsonInterval.Of(n, n);
        Assert.Equal(0, zero.Lower, 15);
        Assert.Equal(edge, zero.Upper, 12);
        Assert.Equal(1 - edge, all.Lower, 12);
        Assert.Equal(1, all.Upper, 15);
    }

    [Fact]
    public void HalfOfTenMatchesTheHandValue()
    {
        // centre 0.5; half-width z/(1+z²/10)·sqrt(0.025 + z²/400) = 1.96/1.38415·sqrt(0.034604) = 0.26340.
        var (lo, hi) = WilsonInterval.Of(5, 10);
        Assert.Equal(0.2366, lo, 4);
        Assert.Equal(0.7634, hi, 4);
        Assert.True(double.IsNaN(WilsonInterval.Of(0, 0).Lower));
    }
}
