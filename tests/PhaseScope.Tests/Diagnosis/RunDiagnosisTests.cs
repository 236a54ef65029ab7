using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Diagnosis;

public class RunDiagnosisTests
{
    /// <summary>
    /// A hand-made grokking run, evaluated every 100 steps, loss every 10: train accuracy step/500 (1 from step 500), test
    /// accuracy 0.02 until 1400, then 0.02 + 0.1·(step − 1400)/100 (0.92 at 2300, 1 from 2400), and a loss spike at
    /// 3000–3020. Phases by the rules, worked out by hand: 100 fitting (first evaluation); 500 train 1.0 → plateau proposed,
    /// confirmed at 600 (starts 500); 1500 test 0.12 − 0.02 ≥ 0.1 → generalising proposed, confirmed at 1600 (starts
    /// 1500); 2400 test 1.0 ≥ 0.95 → generalised at once; 3000 spike (2.0 against a baseline of 0.01) → unstable; the
    /// spike ends at 3030, and the next evaluation (3100, test 1.0) enters generalised again at once.
    /// </summary>
    static (List<MetricRecord> Metrics, List<MonitorEvent> Events) GrokkingRun()
    {
        var metrics = new List<MetricRecord>();
        for (long step = 10; step <= 3500; step += 10)
        {
            double loss = step < 500 ? 4.0 * Math.Exp(-step / 100.0) + 0.01 : 0.01 * (1 + 0.05 * Math.Sin(step));
            if (step is >= 3000 and < 3030) loss = 2.0;
            metrics.Add(new(step, "loss", loss));
            if (step % 100 != 0) continue;
            double train = Math.Min(1, step / 500.0);
            double test = step < 1500 ? 0.02 : Math.Min(1, 0.02 + 0.1 * ((step - 1400) / 100));
            if (step == 3000) (train, test) = (0.5, 0.45);
            metrics.Add(new(step, "eval/train_acc", train));
            metrics.Add(new(step, "eval/test_acc", test));
            metrics.Add(new(step, "eval/train_loss", loss));
        }
        return (metrics, []);
    }

    [Fact]
    public void GrokkingRunGetsTheHandWorkedTimeline()
    {
        var (metrics, events) = GrokkingRun();
        var d = RunDiagnosis.Replay(metrics, events);
        d.Finish(3500);
        var got = d.Timeline.Select(t => (t.Phase, t.Start)).ToList();
        (RunPhase, long)[] expected =
        [
            (RunPhase.Fitting, 100), (RunPhase.Plateau, 500), (RunPhase.Generalising, 1500), (RunPhase.Generalised, 2400),
            (RunPhase.Unstable, 3000), (RunPhase.Generalised, 3100),
        ];
        Assert.Equal(expected, got);
        Assert.Equal(3500, d.Timeline[^1].End);
        var spike = Assert.Single(d.Spikes);
        Assert.Equal((3000L, 3030L), (spike.Onset, spike.End!.Value));
        Assert.All(d.Timeline, t => Assert.False(string.IsNullOrWhiteSpace(t.Evidence)));
        Assert.Contains("1500", d.Timeline[2].Evidence);
    }

    [Fact]
    public void LiveSinkEmitsTheSameTimelineAsEvents()
    {
        var (metrics, _) = GrokkingRun();
        var emitted = new List<MonitorEvent>();
        var sink = new DiagnosisSink(new RunDiagnosis(), emitted.Add);
        foreach (var step in metrics.GroupBy(m => m.Step)) sink.Write(step.ToList());
        var phases = emitted.Where(e => e.Kind == "phase_entered").Select(e => (e.Message.Split(':')[0], e.Step)).ToList();
        Assert.Equal([("fitting", 100L), ("plateau", 500L), ("generalising", 1500L), ("generalised", 2400L), ("unstable", 3000L), ("generalised", 3100L)], phases);
        Assert.Single(emitted, e => e.Kind == "loss_spike" && e.Step == 3000);
        Assert.Single(emitted, e => e.Kind == "loss_spike_ended" && e.Step == 3030);
    }

    [Fact]
    public void NonFiniteValuesMakeTheRunUnstableAndANegativeMarginIsSaid()
    {
        var d = new RunDiagnosis();
        d.Observe(new MetricRecord(100, "curvature/stability_margin", 5));
        d.Observe(new MetricRecord(200, "curvature/stability_margin", -3));
        d.Observe(new MonitorEvent(250, "non_finite_gradient", "grad_norm", "w is NaN"));
        Assert.Equal(RunPhase.Unstable, d.Current);
        var events = d.TakeEvents();
        Assert.Contains(events, e => e.Kind == "stability_margin_negative" && e.Step == 200);
        Assert.Contains("negative", d.Describe(null));
    }

    [Fact]
    public void ForgettingAfterTheTaskSwitch()
    {
        var d = new RunDiagnosis();
        void Eval(long step, double a, double b) { d.Observe(new MetricRecord(step, "forget/task_a_test_acc", a)); d.Observe(new MetricRecord(step, "forget/task_b_test_acc", b)); }
        Eval(50, 0.9, 0.0);
        Assert.Equal(RunPhase.Fitting, d.Current);
        Eval(100, 0.98, 0.0);
        Assert.Equal(RunPhase.Generalised, d.Current);   // task A learned (≥ 0.95)
        d.Observe(new MonitorEvent(100, "task_switch", "forget", "task B"));
        Eval(150, 0.89, 0.5);   // 0.09 below task A's 0.98 at the switch: kept (threshold 0.10)
        Assert.NotEqual(RunPhase.Forgetting, d.Current);
        Eval(200, 0.87, 0.9);   // 0.11 below 0.98
        Assert.Equal(RunPhase.Forgetting, d.Current);
        Assert.Equal(200, d.Timeline[^1].Start);
        Assert.StartsWith("Task switch at step 100.", d.Describe(null));
    }
}
