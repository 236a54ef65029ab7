using PhaseScope.Monitoring.Probes;
using System.Globalization;
using PhaseScope.Monitoring;

namespace PhaseScope.Diagnosis;

/// <summary>
/// Turns a run's observables, in step order, into a phase timeline (<see cref="RunPhase"/>) with the evidence for each
/// interval, and into events: <c>phase_entered</c>, <c>loss_spike</c>, <c>loss_spike_ended</c>, <c>diverging</c>,
/// <c>stability_margin_negative</c> / <c>stability_margin_restored</c>. It reads what the monitor records: the training
/// loss (<c>loss</c>), the evaluations (<c>eval/train_acc</c>, <c>eval/test_acc</c>, <c>eval/train_loss</c>; split
/// MNIST's <c>forget/task_a_test_acc</c>, <c>forget/task_b_test_acc</c>), seed 003's edge-of-stability margin
/// S = 2/η − λ_max (<c>curvature/stability_margin</c>) and the events <c>non_finite_*</c>, <c>diverged</c> and
/// <c>task_switch</c>. The
/// same class runs live (<see cref="DiagnosisSink"/>) and over a stored run (the report), so both say the same.
/// <para>The rules (docs/DIAGNOSIS.md): a loss spike, divergence or non-finite values make the run <c>unstable</c> at
/// once (<see cref="LossSpikeDetector"/>). Otherwise each evaluation proposes a phase: test accuracy ≥
/// <see cref="GrokThreshold"/> is <c>generalised</c>; test accuracy at least <see cref="RiseThreshold"/> above its lowest
/// value since training accuracy first reached <see cref="FitThreshold"/>, and not falling, is <c>generalising</c>;
/// training accuracy ≥ FitThreshold is <c>plateau</c> (memorised); training loss down by at least
/// <see cref="FallFraction"/> over the last <see cref="TrendEvaluations"/> evaluations is <c>fitting</c>, else
/// <c>plateau</c> (stalled). In a split-MNIST run a task's test accuracy ≥ GrokThreshold is <c>generalised</c>, below it
/// <c>fitting</c>, and after the task switch task A's accuracy <see cref="RiseThreshold"/> below its value at the switch is
/// <c>forgetting</c>. <c>generalised</c>, <c>unstable</c> and <c>forgetting</c> are entered at once; the others
/// when two evaluations in a row propose them (the phase then starts at the first of the two).</para>
/// </summary>
public sealed class RunDiagnosis
{
    readonly List<PhaseInterval> timeline = [];
    readonly List<MonitorEvent> pending = [];
    readonly Dictionary<long, Dictionary<string, double>> evaluations = [];
    readonly List<(long Step, double TrainLoss)> trainLosses = [];
    readonly LossSpikeDetector spikes;
    RunPhase? proposed;
    long proposedAt;
    string proposedEvidence = "";
    double? lowestTestSinceFit;
    long? fitStep;
    long? switchStep;
    double? taskAAtSwitch;   // task A's accuracy at its last evaluation up to the switch
    bool marginNegative;
    double? previousTest;
    bool nonFinite;           // a non-finite loss or a non_finite_* event, not yet followed by finite_*
    MonitorEvent? diverged;   // the trainer's diverged event: training stopped there
    readonly List<(long Step, double Margin)> negativeMargins = [];

    /// <summary>Creates a diagnosis; <paramref name="spikeDetector"/> tunes the loss-spike rule.</summary>
    public RunDiagnosis(LossSpikeDetector? spikeDetector = null) => spikes = spikeDetector ?? new LossSpikeDetector();

    /// <summary>Test accuracy at which a run counts as generalised (the grok step's 0.95, docs/SETUPS.md "The grok step").</summary>
    public double GrokThreshold { get; init; } = 0.95;

    /// <summary>Training accuracy at which the training set counts as fitted (memorised).</summary>
    public double FitThreshold { get; init; } = 0.95;

    /// <summary>Rise of test accuracy above its plateau that counts as generalising (and fall of task A's accuracy that counts as forgetting).</summary>
    public double RiseThreshold { get; init; } = 0.1;

    /// <summary>Evaluations over which a fall of the training loss is measured.</summary>
    public int TrendEvaluations { get; init; } = 5;

    /// <summary>Relative fall of the training loss over <see cref="TrendEvaluations"/> evaluations that counts as fitting.</summary>
    public double FallFraction { get; init; } = 0.05;

    /// <summary>The timeline so far; the last interval is open.</summary>
    public IReadOnlyList<PhaseInterval> Timeline => timeline;

    /// <summary>The phase now.</summary>
    public RunPhase Current => timeline.Count == 0 ? RunPhase.Starting : timeline[^1].Phase;

    /// <summary>Loss spikes found so far.</summary>
    public IReadOnlyList<LossSpike> Spikes => spikes.Spikes;

    /// <summary>Steps where the stability margin S = 2/η − λ_max was negative, with S.</summary>
    public IReadOnlyList<(long Step, double Margin)> NegativeMargins => negativeMargins;

    /// <summary>Events produced since the last call (and forgets them).</summary>
    public IReadOnlyList<MonitorEvent> TakeEvents()
    {
        var e = pending.ToList();
        pending.Clear();
        return e;
    }

    /// <summary>Observes one metric record (records in step order; within a step, any order).</summary>
    public void Observe(MetricRecord m)
    {
        switch (m.Name)
        {
            case "loss":
                ObserveLoss(m.Step, m.Value);
                break;
            case EvaluationMetrics.TrainAcc or EvaluationMetrics.TestAcc or EvaluationMetrics.TrainLoss or "forget/task_a_test_acc" or "forget/task_b_test_acc":
                if (!evaluations.TryGetValue(m.Step, out var e)) evaluations[m.Step] = e = [];
                e[m.Name] = m.Value;
                if (Complete(e)) { Evaluate(m.Step, e); evaluations.Remove(m.Step); }
                break;
            case CurvatureMetrics.StabilityMargin:
                ObserveMargin(m.Step, m.Value);
                break;
        }
    }

    /// <summary>Observes one event (non-finite values, a task switch; its own events are ignored).</summary>
    public void Observe(MonitorEvent e)
    {
        if (e.Source == Source) return;
        if (e.Kind == DivergedKind)
        {
            diverged ??= e;
            nonFinite = true;
            Enter(RunPhase.Unstable, e.Step, e.Message);
        }
        else if (e.Kind.StartsWith("non_finite_", StringComparison.Ordinal))
        {
            nonFinite = true;
            Enter(RunPhase.Unstable, e.Step, $"Non-finite values ({e.Kind}, step {e.Step}).");
        }
        else if (e.Kind.StartsWith("finite_", StringComparison.Ordinal)) nonFinite = false;
        else if (e.Kind == "task_switch")
        {
            switchStep = e.Step;
            spikes.Restart(e.Step);   // task B's loss is measured against its own baseline
        }
    }

    /// <summary>The event a trainer emits at the step a run diverged (PhaseScope.Training's <c>Divergence</c>: a non-finite
    /// loss or parameter; training stopped there). Its message begins "Diverged at step N".</summary>
    public const string DivergedKind = "diverged";

    /// <summary>The step at which the run diverged (null: it did not).</summary>
    public long? DivergedAt => diverged?.Step;

    /// <summary>The source name of the diagnosis's events.</summary>
    public const string Source = "diagnosis";

    static bool Complete(Dictionary<string, double> e) =>
        (e.ContainsKey(EvaluationMetrics.TrainAcc) && e.ContainsKey(EvaluationMetrics.TestAcc) && e.ContainsKey(EvaluationMetrics.TrainLoss))
        || (e.ContainsKey("forget/task_a_test_acc") && e.ContainsKey("forget/task_b_test_acc"));

    void ObserveLoss(long step, double loss)
    {
        var change = spikes.Observe(step, loss);
        if (change.HasFlag(LossSpikeDetector.Change.NonFinite))
        {
            nonFinite = true;
            Enter(RunPhase.Unstable, step, $"Training loss {loss} at step {step} is not finite.");
            return;
        }
        if (change.HasFlag(LossSpikeDetector.Change.SpikeStarted) && spikes.Current is { } s)
        {
            string what = $"training loss {F(s.PeakLoss)} at step {step} is {F(s.Ratio)}× its median {F(s.BaselineLoss)} over the previous {spikes.Window} measurements (threshold {F(spikes.Factor)}×, and {F(spikes.MadMultiple)} robust standard deviations of log loss about its trend)";
            pending.Add(new MonitorEvent(step, "loss_spike", Source, $"Loss spike: {what}."));
            Enter(RunPhase.Unstable, step, $"Loss spike: {what}.");
        }
        if (change.HasFlag(LossSpikeDetector.Change.SpikeEnded) && spikes.Spikes[^1] is { End: long end } ended)
            pending.Add(new MonitorEvent(step, "loss_spike_ended", Source,
                $"Loss spike from step {ended.Onset} ended at step {end}: peak {F(ended.PeakLoss)} at step {ended.Peak} ({F(ended.Ratio)}× the baseline {F(ended.BaselineLoss)})."));
        if (change.HasFlag(LossSpikeDetector.Change.Diverging))
        {
            string why = $"Diverging: training loss {F(loss)} at step {step} has stayed in a spike for {spikes.DivergenceObservations} measurements or exceeds {F(spikes.DivergenceFactor)}× its largest value at the start.";
            pending.Add(new MonitorEvent(step, "diverging", Source, why));
            Enter(RunPhase.Unstable, step, why);
        }
    }

    void ObserveMargin(long step, double margin)
    {
        if (!double.IsFinite(margin)) return;
        if (margin < 0)
        {
            negativeMargins.Add((step, margin));
            if (!marginNegative)
                pending.Add(new MonitorEvent(step, "stability_margin_negative", Source,
                    $"Edge of stability: S = 2/η − λ_max = {F(margin)} < 0 at step {step} (seed 003 §7 with the corrected margin): the largest Hessian eigenvalue exceeds 2/η, where plain gradient descent would be unstable along its direction (for Adam the preconditioned curvature decides; read it as a warning)."));
        }
        else if (marginNegative)
            pending.Add(new MonitorEvent(step, "stability_margin_restored", Source, $"S = 2/η − λ_max = {F(margin)} ≥ 0 again at step {step}."));
        marginNegative = margin < 0;
    }

    void Evaluate(long step, Dictionary<string, double> e)
    {
        var (phase, evidence) = e.ContainsKey("forget/task_a_test_acc") ? ProposeForgetting(step, e) : Propose(step, e);
        if (spikes.Current is not null || spikes.IsDiverging || nonFinite) return;   // unstable until the spike ends
        bool urgent = phase is RunPhase.Generalised or RunPhase.Forgetting || Current is RunPhase.Unstable or RunPhase.Starting;
        if (phase == Current) { proposed = null; return; }
        if (urgent) { Enter(phase, step, evidence); proposed = null; return; }
        if (proposed == phase) { Enter(phase, proposedAt, proposedEvidence + $" Confirmed at step {step}."); proposed = null; return; }
        (proposed, proposedAt, proposedEvidence) = (phase, step, evidence);
    }

    (RunPhase, string) Propose(long step, Dictionary<string, double> e)
    {
        double train = e[EvaluationMetrics.TrainAcc], test = e[EvaluationMetrics.TestAcc], trainLoss = e[EvaluationMetrics.TrainLoss];
        trainLosses.Add((step, trainLoss));
        if (fitStep is null && train >= FitThreshold) fitStep = step;
        if (fitStep is not null) lowestTestSinceFit = Math.Min(lowestTestSinceFit ?? test, test);
        bool falling = previousTest is double prev && test < prev;
        previousTest = test;
        string acc = $"train accuracy {F(train)}, test accuracy {F(test)}";
        if (test >= GrokThreshold)
            return (RunPhase.Generalised, $"Test accuracy {F(test)} ≥ {F(GrokThreshold)} at step {step} (the grok threshold); train accuracy {F(train)}.");
        if (lowestTestSinceFit is double low && test - low >= RiseThreshold && !falling)
            return (RunPhase.Generalising, $"Test accuracy {F(test)} at step {step} is {F(test - low)} above its lowest value {F(low)} since the training set was fitted (step {fitStep}; threshold +{F(RiseThreshold)}): generalisation under way.");
        if (train >= FitThreshold)
            return (RunPhase.Plateau, $"Memorised: {acc} at step {step} (train ≥ {F(FitThreshold)}, test not rising by +{F(RiseThreshold)}).");
        if (trainLosses.Count > TrendEvaluations)
        {
            double before = trainLosses[^(TrendEvaluations + 1)].TrainLoss;
            if (trainLoss <= (1 - FallFraction) * before)
                return (RunPhase.Fitting, $"Fitting: training loss {F(trainLoss)} at step {step}, down from {F(before)} {TrendEvaluations} evaluations earlier; {acc}.");
            return (RunPhase.Plateau, $"Stalled: training loss {F(trainLoss)} at step {step} fell less than {F(FallFraction * 100)} % over {TrendEvaluations} evaluations (from {F(before)}); {acc}.");
        }
        return (RunPhase.Fitting, $"Fitting: {acc} at step {step} (training set not yet fitted).");
    }

    (RunPhase, string) ProposeForgetting(long step, Dictionary<string, double> e)
    {
        double a = e["forget/task_a_test_acc"], b = e["forget/task_b_test_acc"];
        string acc = $"task A accuracy {F(a)}, task B accuracy {F(b)}";
        if (switchStep is not long sw || step <= sw)
        {
            taskAAtSwitch = a;   // (a replay feeds the switch event before its own step's evaluation: step == switch counts)
            return a >= GrokThreshold ? (RunPhase.Generalised, $"Task A learned: test accuracy {F(a)} ≥ {F(GrokThreshold)} at step {step}.") : (RunPhase.Fitting, $"Learning task A: {acc} at step {step}.");
        }
        taskAAtSwitch ??= a;   // no evaluation before the switch: the first one after it
        if (taskAAtSwitch.Value - a >= RiseThreshold)
            return (RunPhase.Forgetting, $"Forgetting: task A accuracy {F(a)} at step {step} is {F(taskAAtSwitch.Value - a)} below its {F(taskAAtSwitch.Value)} at the task switch (step {sw}; threshold {F(RiseThreshold)}); task B accuracy {F(b)}.");
        return b >= GrokThreshold ? (RunPhase.Generalised, $"Task B learned, task A kept: {acc} at step {step}.") : (RunPhase.Fitting, $"Learning task B, task A kept: {acc} at step {step}.");
    }

    void Enter(RunPhase phase, long step, string evidence)
    {
        if (timeline.Count > 0 && timeline[^1].Phase == phase) return;
        if (timeline.Count > 0)
        {
            var last = timeline[^1];
            long start = Math.Max(step, last.Start);
            timeline[^1] = last with { End = start - 1 < last.Start ? last.Start : start - 1 };
            step = start;
        }
        timeline.Add(new PhaseInterval(phase, step, null, evidence));
        pending.Add(new MonitorEvent(step, "phase_entered", Source, $"{phase.Name()}: {evidence}"));
    }

    /// <summary>Closes the timeline at the run's last step (for a finished run).</summary>
    public void Finish(long lastStep)
    {
        if (timeline.Count > 0 && timeline[^1].End is null) timeline[^1] = timeline[^1] with { End = Math.Max(lastStep, timeline[^1].Start) };
    }

    /// <summary>One paragraph: what the run did, from the timeline, the spikes and the margin (after a task switch the
    /// grok sentence gives way to the switch's step).</summary>
    public string Describe(long? grokStep)
    {
        var parts = new List<string>();
        if (switchStep is long sw) parts.Add($"Task switch at step {sw}.");   // a continual-learning run: no grok threshold
        else parts.Add(grokStep is long g ? $"Generalised (test accuracy ≥ {F(GrokThreshold)}) at step {g}." : "Did not reach the grok threshold.");
        if (diverged is not null) parts.Add(diverged.Message);
        // the phases between unstable spells; the same phase on both sides of a spell is one episode
        var episodes = new List<(RunPhase Phase, long Start, long? End, int Interruptions)>();
        foreach (var t in timeline.Where(t => t.Phase != RunPhase.Unstable))
            if (episodes.Count > 0 && episodes[^1].Phase == t.Phase) episodes[^1] = episodes[^1] with { End = t.End, Interruptions = episodes[^1].Interruptions + 1 };
            else episodes.Add((t.Phase, t.Start, t.End, 0));
        if (episodes.Count > 0)
            parts.Add("Phases: " + string.Join(", ", episodes.Select(e => $"{e.Phase.Name()} {e.Start}–{(e.End is long end ? end.ToString(CultureInfo.InvariantCulture) : "…")}"
                + (e.Interruptions > 0 ? $" (interrupted {e.Interruptions}× by instability)" : ""))) + ".");
        if (spikes.Spikes.Count == 0) parts.Add("No loss spikes.");
        else parts.Add($"{spikes.Spikes.Count} loss spike{(spikes.Spikes.Count == 1 ? "" : "s")} (at {string.Join(", ", spikes.Spikes.Select(s => $"{s.Onset} ×{(s.Ratio < 1e4 ? s.Ratio.ToString("0", CultureInfo.InvariantCulture) : F(s.Ratio))}"))}).");
        if (spikes.IsDiverging && diverged is null) parts.Add("The loss is diverging.");
        if (negativeMargins.Count > 0) parts.Add($"The stability margin S = 2/η − λ_max was negative at {negativeMargins.Count} measurement(s), first at step {negativeMargins[0].Step} (plain gradient descent's threshold; an adaptive optimizer's is on λ_max(P⁻¹H)).");
        return string.Join(" ", parts);
    }

    /// <summary>The metric names the diagnosis reads (a stored run's other metrics need not be replayed).</summary>
    public static readonly IReadOnlySet<string> Inputs = new HashSet<string>(StringComparer.Ordinal)
    {
        "loss", EvaluationMetrics.TrainAcc, EvaluationMetrics.TestAcc, EvaluationMetrics.TrainLoss, "forget/task_a_test_acc", "forget/task_b_test_acc", CurvatureMetrics.StabilityMargin,
    };

    /// <summary>
    /// Feeds a stored run's metric records and events to <paramref name="diagnosis"/> (a new one by default), merged in
    /// step order (an event before the metrics of its step); the events this produces are dropped (the stored run has
    /// them, or predates them). Call <see cref="Finish"/> for a finished run.
    /// </summary>
    public static RunDiagnosis Replay(IEnumerable<MetricRecord> metrics, IEnumerable<MonitorEvent> events, RunDiagnosis? diagnosis = null)
    {
        diagnosis ??= new RunDiagnosis();
        var m = metrics.Where(r => Inputs.Contains(r.Name)).OrderBy(r => r.Step).GetEnumerator();
        var ev = events.OrderBy(e => e.Step).ToList();
        int i = 0;
        while (m.MoveNext())
        {
            while (i < ev.Count && ev[i].Step < m.Current.Step) diagnosis.Observe(ev[i++]);
            diagnosis.Observe(m.Current);
        }
        while (i < ev.Count) diagnosis.Observe(ev[i++]);
        diagnosis.pending.Clear();
        return diagnosis;
    }

    static string F(double v) => Math.Abs(v) >= 1e4 || (Math.Abs(v) < 1e-3 && v != 0) ? v.ToString("0.##E+0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
}
