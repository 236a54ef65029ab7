using PhaseScope.Control;
using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Control;

public class InstabilityControllerTests
{
    /// <summary>Steps 1 … <paramref name="steps"/> at the rate the controller's decisions leave, starting at 1e-3.</summary>
    static List<InstabilityDecision?> Run(InstabilityController controller, int steps = 9)
    {
        double rate = 1e-3;
        var decisions = new List<InstabilityDecision?>();
        for (long step = 1; step <= steps; step++)
        {
            var d = controller.BeforeUpdate(step, 1.0, rate);
            if (d?.LearningRate is double r) rate = r;
            decisions.Add(d);
            controller.AfterUpdate(step, new MonitorReadings());
        }
        return decisions;
    }

    /// <summary>The trigger fires at steps 5 and 6; an episode ends after one quiet step; no schedule rate (the rate is held).</summary>
    static List<InstabilityDecision?> Run(InstabilityAction action, double factor = 0.5) =>
        Run(new InstabilityController(action, [new ScriptedTrigger(5, 6)], factor, quietSteps: 1));

    /// <summary>reduce-lr cuts once per episode (1e-3 · 0.5 = 5e-4 at step 5; nothing at step 6, still in the episode); the
    /// quiet step 7 ends it, and without a schedule rate the rate is held.</summary>
    [Fact]
    public void ReduceLrCutsOncePerEpisodeThenHoldsWithoutASchedule()
    {
        var d = Run(InstabilityAction.ReduceLearningRate);
        Assert.All(d.Take(4), Assert.Null);
        Assert.Equal(InstabilityEvents.LearningRateReduced, d[4]!.Kind);
        Assert.Equal(5e-4, d[4]!.LearningRate);
        Assert.False(d[4]!.SkipUpdate);
        Assert.Null(d[5]);
        Assert.Equal(InstabilityEvents.Recovered, d[6]!.Kind);
        Assert.Null(d[6]!.LearningRate);
        Assert.Contains("held at 0.0005", d[6]!.Message);
        Assert.All(d.Skip(7), Assert.Null);
        Assert.Equal(2e-4, Run(InstabilityAction.ReduceLearningRate, 0.2)[4]!.LearningRate!.Value, 15);
    }

    /// <summary>With N = 2 quiet steps and η₀ = 1e-3: the cut at step 5, the episode's end at step 8 (steps 7 and 8 quiet after
    /// the last signal at 6), then ×√2 per step (0.5^(−1/2)) from step 9: 5e-4·√2 at step 9, η₀ at step 10, then nothing.</summary>
    [Fact]
    public void AfterTheEpisodeTheRateReturnsToTheScheduleGeometrically()
    {
        var d = Run(new InstabilityController(InstabilityAction.ReduceLearningRate, [new ScriptedTrigger(5, 6)], 0.5, quietSteps: 2, scheduleRate: 1e-3), 14);
        Assert.Equal(5e-4, d[4]!.LearningRate);
        Assert.Null(d[5]);
        Assert.Null(d[6]);
        Assert.Equal(InstabilityEvents.Recovered, d[7]!.Kind);
        Assert.Null(d[7]!.LearningRate);
        Assert.Contains("returns from 0.0005 to 0.001", d[7]!.Message);
        Assert.Null(d[8]!.Kind);   // a recovery step: a rate, no event
        Assert.Equal(5e-4 * Math.Sqrt(2), d[8]!.LearningRate!.Value, 1e-18);
        Assert.Equal(1e-3, d[9]!.LearningRate!.Value, 1e-18);
        var last = d.FindLastIndex(x => x is not null);
        Assert.True(last <= 10, $"recovery went on to step {last + 1}");
        Assert.Equal(1e-3, d[last]!.LearningRate);   // ends exactly on the schedule's rate
        Assert.All(d.Skip(last + 1), Assert.Null);
    }

    /// <summary>The floor bounds every cut: with f = 0.2 and a floor of 5e-4, 1e-3 goes to 5e-4, not 2e-4; a second episode
    /// (step 8) finds the rate at the floor and keeps it there.</summary>
    [Fact]
    public void NoCutGoesBelowTheFloor()
    {
        var d = Run(new InstabilityController(InstabilityAction.ReduceLearningRate, [new ScriptedTrigger(5, 8)], 0.2, quietSteps: 1, learningRateFloor: 5e-4));
        Assert.Equal(5e-4, d[4]!.LearningRate);
        Assert.Contains("(the floor)", d[4]!.Message);
        Assert.Equal(InstabilityEvents.Recovered, d[5]!.Kind);
        Assert.Equal(InstabilityEvents.LearningRateReduced, d[7]!.Kind);
        Assert.Equal(5e-4, d[7]!.LearningRate);
        Assert.Equal(1e-5, new InstabilityController(InstabilityAction.Rollback, [new ScriptedTrigger(1)], scheduleRate: 1e-3).LearningRateFloor, 1e-20);   // 1/100 of η₀ by default
    }

    /// <summary>An episode lasts until N quiet steps in a row: with N = 3 and signals at 5 and 7, steps 6 (between) does
    /// not end it; 8, 9, 10 are quiet and 10 records the recovery.</summary>
    [Fact]
    public void AnEpisodeEndsAfterNQuietStepsInARow()
    {
        var d = Run(new InstabilityController(InstabilityAction.Warn, [new ScriptedTrigger(5, 7)], quietSteps: 3), 12);
        Assert.Equal([4, 6, 9], d.Select((x, i) => (x, i)).Where(p => p.x is not null).Select(p => p.i));
        Assert.Equal(InstabilityEvents.Noticed, d[6]!.Kind);   // step 7 is a new onset of the same episode: warn records it
        Assert.Equal(InstabilityEvents.Recovered, d[9]!.Kind);
    }

    /// <summary>Two onsets in one episode (steps 5 and 7, N = 3): warn and skip act at both, rollback at the first only (it
    /// cuts the rate: once per episode); a later episode (onset at 12, after the recovery at 10) rolls back again.</summary>
    [Theory]
    [InlineData(InstabilityAction.Warn, new[] { 4, 6, 9, 11 })]
    [InlineData(InstabilityAction.Skip, new[] { 4, 6, 9, 11 })]
    [InlineData(InstabilityAction.Rollback, new[] { 4, 9, 11 })]
    public void RollbackActsOncePerEpisodeWarnAndSkipAtEveryOnset(InstabilityAction action, int[] decided)
    {
        var d = Run(new InstabilityController(action, [new ScriptedTrigger(5, 7, 12)], quietSteps: 3), 13);
        Assert.Equal(decided, d.Select((x, i) => (x, i)).Where(p => p.x is not null).Select(p => p.i));
        Assert.Equal(InstabilityEvents.Recovered, d[9]!.Kind);
    }

    /// <summary>warn, skip and rollback act at the episode's onset only (step 5), not at step 6 while it lasts.</summary>
    [Theory]
    [InlineData(InstabilityAction.Warn, InstabilityEvents.Noticed, false, false, null)]
    [InlineData(InstabilityAction.Skip, InstabilityEvents.StepSkipped, true, false, null)]
    [InlineData(InstabilityAction.Rollback, InstabilityEvents.RolledBack, true, true, 5e-4)]
    public void OnsetActionsActOncePerEpisode(InstabilityAction action, string kind, bool skip, bool rollBack, double? rate)
    {
        var d = Run(action);
        Assert.Equal(kind, d[4]!.Kind);
        Assert.Equal(skip, d[4]!.SkipUpdate);
        Assert.Equal(rollBack, d[4]!.RollBack);
        Assert.Equal(rate, d[4]!.LearningRate);
        Assert.Null(d[5]);
        Assert.Equal(InstabilityEvents.Recovered, d[6]!.Kind);
        Assert.Equal(5, d.Count(x => x is null) - 2);   // 1–4, 8, 9
    }

    /// <summary>Restored after steps 5 (mid-episode, a signal pending from the readings), 9 (recovering, a negative margin
    /// pending) and 13 (recovering again), it decides as the original, rates included.</summary>
    [Fact]
    public void RestoredControllerDecidesAsTheOriginal()
    {
        var readings = new MonitorReadings();
        InstabilityController Make() => new(InstabilityAction.ReduceLearningRate, [new ScriptedTrigger(5, 6), new StabilityMarginTrigger()], quietSteps: 2, scheduleRate: 1e-3);
        var (a, b) = (Make(), Make());
        double rateA = 1e-3, rateB = 1e-3;
        var expected = new List<string?>();
        var got = new List<string?>();
        for (long step = 1; step <= 18; step++)
        {
            var da = a.BeforeUpdate(step, 1, rateA);
            var db = b.BeforeUpdate(step, 1, rateB);
            (rateA, rateB) = (da?.LearningRate ?? rateA, db?.LearningRate ?? rateB);
            expected.Add($"{da?.Message} {rateA:R}");
            got.Add($"{db?.Message} {rateB:R}");
            readings.Publish(new PhaseScope.Monitoring.Probes.StabilityReading(step, 1, step is 5 or 9 ? -1 : 1, null));
            a.AfterUpdate(step, readings);
            b.AfterUpdate(step, readings);
            if (step is 5 or 9 or 13)
            {
                var c = Make();
                c.RestoreState(System.Text.Json.JsonSerializer.Deserialize<InstabilityState>(System.Text.Json.JsonSerializer.Serialize(b.SaveState()))!);
                b = c;
            }
        }
        Assert.Equal(expected, got);
        Assert.Contains(expected, m => m.Contains("stability_margin", StringComparison.Ordinal));
        Assert.Contains(expected, m => m.Contains("returns from", StringComparison.Ordinal));
        Assert.Equal(1e-3, rateA);
        Assert.Throws<ArgumentException>(() => new InstabilityController(InstabilityAction.Warn, [new LossSpikeTrigger()]).RestoreState(b.SaveState()));
    }
}
