using System.Globalization;
using PhaseScope.Monitoring;

namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// The predictors a practitioner would try before any theory, as events scored beside the seeds' by
/// <see cref="IndicatorScore"/>. Each fires at every evaluation where its condition turns true (false or undefined at
/// the previous reading), like the probes' transition events; all read only the stored evaluation series and ‖θ‖.
/// <list type="bullet">
/// <item><c>baseline_test_loss_falling</c>: test loss fell at each of the last <see cref="FallingEvaluations"/>
/// evaluations and sits ≥ <see cref="LossDrop"/> below its running maximum (falling validation loss).</item>
/// <item><c>baseline_acc_gap_shrinking</c>: train accuracy ≥ <see cref="Memorised"/> and the train − test accuracy gap
/// ≥ <see cref="GapDrop"/> below its running maximum (the memorisation gap closing).</item>
/// <item><c>baseline_weight_norm_decline</c>: ‖θ‖ ≥ <see cref="NormDrop"/> below its running maximum (weight decay
/// winning over the fit: Omnigrok, Liu, Michaud and Tegmark 2022, ties grokking to the norm falling into a "Goldilocks zone").</item>
/// <item><c>baseline_test_acc_half</c>: test accuracy ≥ 0.5 (late, but honest: half the way there).</item>
/// </list>
/// The thresholds are round numbers fixed before any sweep was scored, not fitted to it.
/// </summary>
public static class BaselineEvents
{
    /// <summary>Event source of every baseline event.</summary>
    public const string Source = "baseline";

    /// <summary>Consecutive falling test-loss evaluations required.</summary>
    public const int FallingEvaluations = 3;
    /// <summary>Relative fall of the test loss below its running maximum.</summary>
    public const double LossDrop = 0.10;
    /// <summary>Train accuracy at which the model counts as having memorised its training set.</summary>
    public const double Memorised = 0.9;
    /// <summary>Fall of the accuracy gap below its running maximum, in accuracy units.</summary>
    public const double GapDrop = 0.10;
    /// <summary>Relative fall of ‖θ‖ below its running maximum.</summary>
    public const double NormDrop = 0.05;

    /// <summary>Event kinds, in the order of the class summary.</summary>
    public const string TestLossFalling = "baseline_test_loss_falling", AccuracyGapShrinking = "baseline_acc_gap_shrinking",
        WeightNormDecline = "baseline_weight_norm_decline", TestAccuracyHalf = "baseline_test_acc_half";

    /// <summary>The baseline events of one run from its series (missing series: no events of that kind).</summary>
    public static IReadOnlyList<MonitorEvent> Derive(IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>> series)
    {
        var events = new List<MonitorEvent>();
        IReadOnlyList<(long Step, double Value)> Get(string n) => series.TryGetValue(n, out var s) ? s : [];

        var loss = Get(EvaluationMetrics.TestLoss);
        double maxLoss = double.NegativeInfinity;
        var lossEdge = new RisingEdge();
        for (int i = 0; i < loss.Count; i++)
        {
            maxLoss = Math.Max(maxLoss, loss[i].Value);
            bool falling = i >= FallingEvaluations && Enumerable.Range(i - FallingEvaluations + 1, FallingEvaluations).All(j => loss[j].Value < loss[j - 1].Value);
            bool now = falling && loss[i].Value <= (1 - LossDrop) * maxLoss;
            if (lossEdge.Fires(now)) events.Add(Event(loss[i].Step, TestLossFalling, $"test loss {F(loss[i].Value)} fell {FallingEvaluations} evaluations running, {F(100 * (1 - loss[i].Value / maxLoss))} % below its maximum {F(maxLoss)}"));
        }

        var train = Get(EvaluationMetrics.TrainAcc).ToDictionary(p => p.Step, p => p.Value);
        double maxGap = double.NegativeInfinity;
        RisingEdge gapEdge = new(), halfEdge = new();
        foreach (var (step, test) in Get(EvaluationMetrics.TestAcc))
        {
            if (halfEdge.Fires(test >= 0.5)) events.Add(Event(step, TestAccuracyHalf, $"test accuracy {F(test)} ≥ 0.5"));
            if (!train.TryGetValue(step, out var tr)) { gapEdge.Undefined(); continue; }
            double gap = tr - test;
            maxGap = Math.Max(maxGap, gap);
            bool now = tr >= Memorised && gap <= maxGap - GapDrop;
            if (gapEdge.Fires(now)) events.Add(Event(step, AccuracyGapShrinking, $"train − test accuracy {F(gap)}, {F(maxGap - gap)} below its maximum {F(maxGap)} (train {F(tr)})"));
        }

        double maxNorm = double.NegativeInfinity;
        var normEdge = new RisingEdge();
        foreach (var (step, norm) in Get("param_norm"))
        {
            if (!double.IsFinite(norm)) { normEdge.Undefined(); continue; }
            maxNorm = Math.Max(maxNorm, norm);
            bool now = norm <= (1 - NormDrop) * maxNorm;
            if (normEdge.Fires(now)) events.Add(Event(step, WeightNormDecline, $"‖θ‖ {F(norm)}, {F(100 * (1 - norm / maxNorm))} % below its maximum {F(maxNorm)}"));
        }
        return events;
    }

    static MonitorEvent Event(long step, string kind, string message) => new(step, kind, Source, message);

    static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
