using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Diagnosis;

/// <summary>
/// Each rule of <see cref="RunDiagnosis"/> (its summary; docs/DIAGNOSIS.md) at its boundary, on evaluations written by
/// hand: generalised at test accuracy ≥ 0.95, generalising 0.1 above the lowest test accuracy since the fit and not
/// falling, memorised at train accuracy ≥ 0.95, fitting while the training loss falls ≥ 5 % over 5 evaluations and stalled
/// otherwise, forgetting 0.1 below task A's accuracy at the switch, and a non-urgent phase entered only when two
/// evaluations in a row propose it (starting at the first). Values are dyadic or far from the thresholds where the
/// boundary is not what is tested, so no result rests on rounding.
/// </summary>
public class RunDiagnosisRuleTests
{
    sealed class Run
    {
        public RunDiagnosis D { get; } = new();

        public Run Eval(long step, double train, double test, double trainLoss)
        {
            D.Observe(new MetricRecord(step, EvaluationMetrics.TrainAcc, train));
            D.Observe(new MetricRecord(step, EvaluationMetrics.TestAcc, test));
            D.Observe(new MetricRecord(step, EvaluationMetrics.TrainLoss, trainLoss));
            return this;
        }

        public Run Tasks(long step, double a, double b)
        {
            D.Observe(new MetricRecord(step, "forget/task_a_test_acc", a));
            D.Observe(new MetricRecord(step, "forget/task_b_test_acc", b));
            return this;
        }

        public (RunPhase, long, long?)[] Timeline => [.. D.Timeline.Select(t => (t.Phase, t.Start, t.End))];
    }

    [Fact]
    public void TestAccuracyAtTheGrokThresholdIsGeneralisedAtOnce()
    {
        var below = new Run().Eval(100, 0.5, 0.5, 1).Eval(200, 0.5, 0.9375, 1);   // 0.9375 < 0.95
        Assert.Equal(RunPhase.Fitting, below.D.Current);
        var at = new Run().Eval(100, 0.5, 0.5, 1).Eval(200, 0.5, 0.95, 1);        // ≥: entered at once, no confirmation
        Assert.Equal([(RunPhase.Fitting, 100L, (long?)199L), (RunPhase.Generalised, 200L, null)], at.Timeline);
    }

    [Fact]
    public void AMemorisedTrainingSetIsAPlateauConfirmedByTheNextEvaluation()
    {
        // Train accuracy 0.9375 is not fitted; 0.95 is (≥). Plateau is proposed at 300 and entered at 400, starting at 300.
        var r = new Run().Eval(100, 0.5, 0.125, 4).Eval(200, 0.9375, 0.125, 2).Eval(300, 0.95, 0.125, 1);
        Assert.Equal(RunPhase.Fitting, r.D.Current);
        r.Eval(400, 1, 0.125, 0.5);
        Assert.Equal([(RunPhase.Fitting, 100L, (long?)299L), (RunPhase.Plateau, 300L, null)], r.Timeline);
    }

    [Fact]
    public void GeneralisingIsARiseOfATenthAboveTheLowestTestAccuracySinceTheFit()
    {
        // Fitted at 100 with test 0.25 (the first evaluation enters its phase at once: plateau); the lowest since then is
        // 0.125 (at 300). 0.1875 at 400 is no rise of 0.1; 0.25 at 500 (+0.125 ≥ 0.1, rising) proposes generalising,
        // confirmed at 600 (0.375).
        var r = new Run().Eval(100, 1, 0.25, 1).Eval(200, 1, 0.25, 1).Eval(300, 1, 0.125, 1).Eval(400, 1, 0.1875, 1);
        Assert.Equal(RunPhase.Plateau, r.D.Current);
        r.Eval(500, 1, 0.25, 1).Eval(600, 1, 0.375, 1);
        Assert.Equal([(RunPhase.Plateau, 100L, (long?)499L), (RunPhase.Generalising, 500L, null)], r.Timeline);
    }

    [Fact]
    public void AFallingTestAccuracyIsNotGeneralisingEvenFarAboveItsLowest()
    {
        // Lowest 0.125 since the fit; 0.5 twice is generalising (from 300). Then 0.375 and 0.25: still ≥ 0.1 above the
        // lowest, but falling, so each proposes a plateau, entered from 500.
        var r = new Run().Eval(100, 1, 0.125, 1).Eval(200, 1, 0.125, 1).Eval(300, 1, 0.5, 1).Eval(400, 1, 0.5, 1);
        Assert.Equal(RunPhase.Generalising, r.D.Current);
        Assert.Equal(300, r.D.Timeline[^1].Start);
        r.Eval(500, 1, 0.375, 1).Eval(600, 1, 0.25, 1);
        Assert.Equal(RunPhase.Plateau, r.D.Current);
        Assert.Equal(500, r.D.Timeline[^1].Start);
    }

    [Fact]
    public void FittingNeedsTheTrainingLossFivePercentBelowItsValueFiveEvaluationsEarlier()
    {
        // Losses 1, 1, 1, 1, 1 then 0.9375 (−6.25 %: fitting) or 0.96875 (−3.1 %: stalled), twice to confirm.
        Run Feed(double last)
        {
            var r = new Run();
            for (int i = 1; i <= 5; i++) r.Eval(100 * i, 0.5, 0.125, 1);
            return r.Eval(600, 0.5, 0.125, last).Eval(700, 0.5, 0.125, last);
        }
        Assert.Equal(RunPhase.Fitting, Feed(0.9375).D.Current);
        var stalled = Feed(0.96875);
        Assert.Equal([(RunPhase.Fitting, 100L, (long?)599L), (RunPhase.Plateau, 600L, null)], stalled.Timeline);
        Assert.Contains("fell less than 5 %", stalled.D.Timeline[^1].Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void ForgettingIsATenthBelowTaskAsAccuracyAtTheSwitch()
    {
        Run Feed(double afterSwitch)
        {
            var r = new Run().Tasks(100, 0.875, 0.125);
            r.D.Observe(new MonitorEvent(200, "task_switch", "trainer", "switch"));
            return r.Tasks(200, 0.875, 0.125).Tasks(300, afterSwitch, 0.5);
        }
        Assert.NotEqual(RunPhase.Forgetting, Feed(0.8125).D.Current);   // 0.0625 below
        var f = Feed(0.75);                                             // 0.125 below: at once
        Assert.Equal(RunPhase.Forgetting, f.D.Current);
        Assert.Equal(300, f.D.Timeline[^1].Start);
        var kept = Feed(0.875).Tasks(400, 0.875, 0.95);                 // task B at the threshold, task A kept
        Assert.Equal(RunPhase.Generalised, kept.D.Current);
        Assert.Equal(400, kept.D.Timeline[^1].Start);
    }

    [Fact]
    public void ANegativeStabilityMarginIsReportedOnceAndItsReturnAgain()
    {
        var d = new RunDiagnosis();
        d.Observe(new MetricRecord(10, "curvature/stability_margin", 0.0));   // S = 0 is not negative
        Assert.Empty(d.TakeEvents());
        d.Observe(new MetricRecord(20, "curvature/stability_margin", -0.5));
        d.Observe(new MetricRecord(30, "curvature/stability_margin", -0.25));
        Assert.Equal(["stability_margin_negative"], d.TakeEvents().Select(e => e.Kind));
        d.Observe(new MetricRecord(40, "curvature/stability_margin", 0.0));
        Assert.Equal(["stability_margin_restored"], d.TakeEvents().Select(e => e.Kind));
        Assert.Equal([(20L, -0.5), (30L, -0.25)], d.NegativeMargins);
        Assert.Contains("negative at 2 measurement(s), first at step 20", d.Describe(null), StringComparison.Ordinal);
    }
}
