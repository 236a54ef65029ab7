using PhaseScope.Control;
using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Control;

public class InstabilityControllerTests
{
    /// <summary>Steps 1 … 9 at the rate the controller's decisions leave; the trigger fires at steps 5 and 6.</summary>
    static List<InstabilityDecision?> Run(InstabilityAction action, double factor = 0.5)
    {
        var controller = new InstabilityController(action, [new ScriptedTrigger(5, 6)], factor);
        double rate = 1e-3;
        var decisions = new List<InstabilityDecision?>();
        for (long step = 1; step <= 9; step++)
        {
            var d = controller.BeforeUpdate(step, 1.0, rate);
            if (d?.LearningRate is double r) rate = r;
            decisions.Add(d);
            controller.AfterUpdate(step, new MonitorReadings());
        }
        return decisions;
    }

    /// <summary>reduce-lr multiplies at every unstable observation (1e-3 · 0.5 = 5e-4 at step 5, · 0.5 = 2.5e-4 at step 6),
    /// then holds: recovery at step 7 changes no rate, and nothing happens after.</summary>
    [Fact]
    public void ReduceLrMultipliesByTheFactorUntilRecoveryThenHolds()
    {
        var d = Run(InstabilityAction.ReduceLearningRate);
        Assert.All(d.Take(4), Assert.Null);
        Assert.Equal(InstabilityEvents.LearningRateReduced, d[4]!.Kind);
        Assert.Equal(5e-4, d[4]!.LearningRate);
        Assert.Equal(2.5e-4, d[5]!.LearningRate);
        Assert.False(d[4]!.SkipUpdate);
        Assert.Equal(InstabilityEvents.Recovered, d[6]!.Kind);
        Assert.Null(d[6]!.LearningRate);
        Assert.Contains("held at 0.00025", d[6]!.Message);
        Assert.All(d.Skip(7), Assert.Null);
        Assert.Equal(2e-4, Run(InstabilityAction.ReduceLearningRate, 0.2)[4]!.LearningRate!.Value, 15);
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

    /// <summary>Restored after step 5 (mid-episode, a signal pending from the readings), it decides as the original.</summary>
    [Fact]
    public void RestoredControllerDecidesAsTheOriginal()
    {
        var readings = new MonitorReadings();
        var a = new InstabilityController(InstabilityAction.ReduceLearningRate, [new ScriptedTrigger(5, 6), new PhaseScope.Control.StabilityMarginTrigger()]);
        var b = new InstabilityController(InstabilityAction.ReduceLearningRate, [new ScriptedTrigger(5, 6), new PhaseScope.Control.StabilityMarginTrigger()]);
        var expected = new List<string?>();
        var got = new List<string?>();
        for (long step = 1; step <= 12; step++)
        {
            expected.Add(a.BeforeUpdate(step, 1, 1e-3)?.Message);
            got.Add(b.BeforeUpdate(step, 1, 1e-3)?.Message);
            readings.Publish(new PhaseScope.Monitoring.Probes.StabilityReading(step, 1, step is 5 or 9 ? -1 : 1, null));
            a.AfterUpdate(step, readings);
            b.AfterUpdate(step, readings);
            if (step is 5 or 9)
            {
                var c = new InstabilityController(InstabilityAction.ReduceLearningRate, [new ScriptedTrigger(5, 6), new PhaseScope.Control.StabilityMarginTrigger()]);
                c.RestoreState(System.Text.Json.JsonSerializer.Deserialize<InstabilityState>(System.Text.Json.JsonSerializer.Serialize(b.SaveState()))!);
                b = c;
            }
        }
        Assert.Equal(expected, got);
        Assert.Contains(expected, m => m?.Contains("stability_margin", StringComparison.Ordinal) == true);
        Assert.Throws<ArgumentException>(() => new InstabilityController(InstabilityAction.Warn, [new LossSpikeTrigger()]).RestoreState(b.SaveState()));
    }
}
