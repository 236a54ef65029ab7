using PhaseScope.Control;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Tests.Control;

public class InstabilityTriggerTests
{
    /// <summary>Observations every 2 steps: a loss of 1 ± 1 % for 40 observations (steps 2 … 80), then 100 at steps 82
    /// and 84, then 1 again. 100 is 100× the median 1 (above the rule's 4×, and the scatter of log L is 0.01, so 6 robust
    /// standard deviations are ≈ 0.09 ≪ log 4): the spike starts at 82, still runs at 84 (log 100 is above half the onset
    /// threshold), ends at 86.</summary>
    static IEnumerable<(long Step, double Loss)> Series()
    {
        for (int k = 1; k <= 40; k++) yield return (2 * k, 1 + 0.01 * (k % 3 - 1));
        yield return (82, 100);
        yield return (84, 100);
        for (int k = 43; k <= 60; k++) yield return (2 * k, 1 + 0.01 * (k % 3 - 1));
    }

    [Fact]
    public void LossSpikeTriggerFiresWhereTheDiagnosisRecordsTheSpike()
    {
        var trigger = new LossSpikeTrigger(every: 2);
        var signals = new List<InstabilitySignal>();
        foreach (var (step, loss) in Series())
        {
            Assert.Null(trigger.BeforeUpdate(step + 1, 1000));   // off the loss probe's schedule: not observed
            if (trigger.BeforeUpdate(step, loss) is { } s) signals.Add(s);
            if (step == 84) Assert.True(trigger.Active);
        }
        Assert.Equal([(82L, true), (84L, false)], signals.Select(s => (s.Step, s.Onset)));
        Assert.False(trigger.Active);
        Assert.Equal(86, Assert.Single(trigger.Spikes).End);

        var diagnosis = new RunDiagnosis();   // the same rule, fed the same series as the stored loss metric
        foreach (var (step, loss) in Series()) diagnosis.Observe(new MetricRecord(step, "loss", loss));
        var events = diagnosis.TakeEvents();
        Assert.Equal([82L], events.Where(e => e.Kind == "loss_spike").Select(e => e.Step));
    }

    [Fact]
    public void LossSpikeTriggerRestoredMidSpikeContinuesAsTheOriginal()
    {
        var a = new LossSpikeTrigger(2);
        var b = new LossSpikeTrigger(2);
        var expected = new List<InstabilitySignal?>();
        var got = new List<InstabilitySignal?>();
        foreach (var (step, loss) in Series())
        {
            expected.Add(a.BeforeUpdate(step, loss));
            if (step is 40 or 84)
            {
                var c = new LossSpikeTrigger(2);
                c.RestoreState(b.SaveState());
                b = c;
            }
            got.Add(b.BeforeUpdate(step, loss));
        }
        Assert.Equal(expected, got);
        Assert.Throws<ArgumentException>(() => new LossSpikeTrigger(2).RestoreState([3, 1.0]));   // step 3 is off its schedule
    }

    [Fact]
    public void MarginTriggerActsOnFreshNegativeMargins()
    {
        var trigger = new StabilityMarginTrigger();
        var readings = new MonitorReadings();
        InstabilitySignal? At(long step, double margin)
        {
            readings.Publish(new StabilityReading(step, 10, margin, null));
            return trigger.AfterUpdate(step, readings);
        }
        Assert.Null(trigger.AfterUpdate(5, readings));   // nothing published yet
        Assert.Null(At(10, 5));
        Assert.False(trigger.Active);
        Assert.True(At(20, -1)!.Onset);
        Assert.Null(trigger.AfterUpdate(21, readings));   // the same reading again: not fresh
        Assert.False(At(30, -2)!.Onset);
        Assert.Null(At(40, double.NaN));   // not a reading
        Assert.True(trigger.Active);
        Assert.Null(At(50, 3));
        Assert.False(trigger.Active);

        var restored = new StabilityMarginTrigger();
        restored.RestoreState(trigger.SaveState());
        readings.Publish(new StabilityReading(60, 10, -0.5, null));
        Assert.True(restored.AfterUpdate(60, readings)!.Onset);
        Assert.Null(new StabilityMarginTrigger().AfterUpdate(60, new MonitorReadings()));
    }
    /// <summary>The warning trigger: an onset exactly where the risk reading raises a warning, further signals (no onset)
    /// while fresh readings stay at or above the threshold, nothing for a stale or NaN reading, quiet below it.</summary>
    [Fact]
    public void WarningTriggerActsOnTheForecastsWarning()
    {
        var trigger = new InstabilityWarningTrigger(1);
        var readings = new MonitorReadings();
        InstabilitySignal? At(long step, double risk, bool warning)
        {
            readings.Publish(new PhaseScope.Stability.InstabilityRiskReading(step, risk, risk, double.NaN, double.NaN, double.NaN, warning));
            return trigger.AfterUpdate(step, readings);
        }
        Assert.Null(trigger.AfterUpdate(1, readings));
        Assert.Null(trigger.BeforeUpdate(1, 1e9));   // the loss is not its business
        Assert.Null(At(10, 0.5, false));
        Assert.False(trigger.Active);
        var onset = At(20, 1.3, true)!;
        Assert.True(onset.Onset);
        Assert.Equal((20L, "instability_warning"), (onset.Step, onset.Trigger));
        Assert.True(trigger.Active);
        Assert.Null(trigger.AfterUpdate(21, readings));   // the same reading: not fresh
        Assert.False(At(30, 1.0, false)!.Onset);          // at the threshold: still unstable
        Assert.Null(At(40, double.NaN, false));
        Assert.True(trigger.Active);
        Assert.Null(At(50, 0.99, false));
        Assert.False(trigger.Active);

        var restored = new InstabilityWarningTrigger(1);
        restored.RestoreState(trigger.SaveState());
        readings.Publish(new PhaseScope.Stability.InstabilityRiskReading(50, 2, 2, double.NaN, double.NaN, double.NaN, true));
        Assert.Null(restored.AfterUpdate(50, readings));   // step 50 was seen before the save
        Assert.Throws<ArgumentException>(() => restored.RestoreState([1.5, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InstabilityWarningTrigger(0));
    }
}
