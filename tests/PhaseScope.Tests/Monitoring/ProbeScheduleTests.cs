using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Monitoring;

public class ProbeScheduleTests
{
    [Fact]
    public void EveryNIsDueOnMultiples()
    {
        var s = ProbeSchedule.Every(3);
        Assert.Equal([3, 6, 9], Enumerable.Range(1, 10).Where(i => s.IsDue(i, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbeSchedule.Every(0));
    }

    [Fact]
    public void LogSpacedHitsRoundedPowersOfTen()
    {
        // round(10^(k/3)) for k = 0..6: 1, 2.154→2, 4.642→5, 10, 21.54→22, 46.42→46, 100.
        var s = ProbeSchedule.LogSpaced(perDecade: 3, maxInterval: 100000);
        Assert.Equal([1, 2, 5, 10, 22, 46, 100], Enumerable.Range(1, 100).Where(i => s.IsDue(i, 0)));
    }

    [Fact]
    public void LogSpacedIsCappedByMaxInterval()
    {
        var s = ProbeSchedule.LogSpaced(perDecade: 1, maxInterval: 250);
        Assert.Equal([1, 10, 100, 250, 500, 750, 1000], Enumerable.Range(1, 1000).Where(i => s.IsDue(i, 0)));
    }

    [Fact]
    public void OnEvaluationFollowsTheTrainersInterval()
    {
        Assert.False(ProbeSchedule.OnEvaluation.IsDue(100, 0));
        Assert.True(ProbeSchedule.OnEvaluation.IsDue(100, 50));
        Assert.False(ProbeSchedule.OnEvaluation.IsDue(101, 50));
    }
}
