using System.Diagnostics;
using PhaseScope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring;

/// <summary>
/// Runs probes at the right moments of a training step and sends what they measure to sinks.
/// In your own TorchSharp loop it takes two calls:
/// <code>
/// loss.backward();   monitor.AfterBackward(step, loss);
/// optimizer.step();  monitor.AfterStep(step);
/// </code>
/// A loop that supports micro-batch probes (<see cref="IMicroBatchProbe"/>) also asks
/// <see cref="MicroBatchesDue"/> and calls <see cref="AfterMicroBatch"/>; one that changes the learning rate sets
/// <see cref="LearningRate"/>.
/// A probe that throws is reported (event <c>probe_failed</c>) and disabled; training goes on.
/// The time each probe costs is measured (<see cref="Timings"/>), so the monitor's overhead is a
/// figure users see.
/// </summary>
public sealed class PhaseMonitor : IDisposable
{
    /// <summary>Name under which the monitor's own bookkeeping (snapshots, sinks) is timed.</summary>
    public const string BookkeepingName = "(monitor)";

    sealed class Slot(IProbe probe)
    {
        public IProbe Probe { get; } = probe;
        public MonitorPhase Phase { get; } = probe.Needs.Phase();
        public long Calls;
        public long Ticks;
        public bool Disabled;
        public long StepOfTicks = -1;   // the step StepTicks belong to
        public long StepTicks;          // this step's cost (all calls: micro-batches and the main one)
    }

    IReadOnlyList<NamedParameter> parameters;
    readonly nn.Module? module;
    readonly List<Slot> slots;
    readonly List<IMonitorSink> sinks;
    readonly HashSet<IMonitorSink> failedSinks = [];
    readonly List<MonitorEvent> events = [];
    Tensor[]? previous;
    bool snapshotValid;
    long currentStep;
    long bookkeepingTicks, bookkeepingCalls;
    readonly Queue<double> unsplitSeconds = new(); // forward/backward times of the last unsplit steps (ForwardBackwardTook)
    long lastStepTimestamp, monitorTicksAtLastStep, bookkeepingTicksAtLastStep;

    /// <summary>Creates a monitor over <paramref name="module"/>'s trainable parameters.</summary>
    /// <remarks>
    /// The set is read again before every step at which a probe is due: a parameter registered later (a growing model) or one that stops
    /// requiring gradients (a layer frozen mid-run) gives a <c>parameters_changed</c> event, the watched set follows
    /// the module, and the probes that keep per-parameter state are attached again (<see cref="IAttachableProbe"/>).
    /// </remarks>
    public PhaseMonitor(nn.Module module, IEnumerable<IProbe> probes, IEnumerable<IMonitorSink>? sinks = null)
        : this(Trainable(module), probes, sinks)
    {
        this.module = module;
    }

    static List<NamedParameter> Trainable(nn.Module module) =>
        module.named_parameters().Where(p => p.parameter.requires_grad).Select(p => new NamedParameter(p.name, p.parameter)).ToList();

    /// <summary>Creates a monitor over explicit named parameters.</summary>
    public PhaseMonitor(IEnumerable<NamedParameter> parameters, IEnumerable<IProbe> probes, IEnumerable<IMonitorSink>? sinks = null)
    {
        TorchRuntime.Initialize();
        this.parameters = parameters.ToList();
        slots = ProducersFirst(probes.ToList()).Select(p => new Slot(p)).ToList();
        var dup = slots.GroupBy(s => s.Probe.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Two probes are named '{dup.Key}'; probe names must be unique.", nameof(probes));
        this.sinks = sinks?.ToList() ?? [];
        var micro = slots.Select(s => s.Probe).Where(SplitsBatches).Select(p => ((IMicroBatchProbe)p).MicroBatches).Distinct().ToList();
        if (micro.Count > 1) throw new ArgumentException($"Micro-batch probes ask for different numbers of micro-batches ({string.Join(", ", micro)}); use one k.", nameof(probes));
        if (micro.Count == 1 && micro[0] < 2) throw new ArgumentException($"A micro-batch probe needs k ≥ 2 micro-batches (got {micro[0]}).", nameof(probes));
        AttachAll(0);
    }

    /// <summary>The typed readings probes published (<see cref="MonitorReadings"/>): controllers and training loops read
    /// them here, probes through <see cref="ProbeContext.Readings"/>.</summary>
    public MonitorReadings Readings { get; } = new();

    /// <summary>Whether some probe of this monitor publishes readings of <paramref name="type"/>.</summary>
    public bool Publishes(Type type) => slots.Any(s => s.Probe.Publishes.Contains(type));

    /// <summary>The k every micro-batch probe splits its batch into (null: no such probe).</summary>
    public int? MicroBatches => slots.Select(s => s.Probe).Where(SplitsBatches).Select(p => ((IMicroBatchProbe)p).MicroBatches).Cast<int?>().FirstOrDefault();

    /// <summary>The probes in their given order, except that a probe consuming a reading runs after the probes that
    /// publish it (a stable topological order; a cycle is refused).</summary>
    static List<IProbe> ProducersFirst(List<IProbe> probes)
    {
        var ordered = new List<IProbe>();
        var placing = new HashSet<IProbe>();
        void Place(IProbe p)
        {
            if (ordered.Contains(p)) return;
            if (!placing.Add(p)) throw new ArgumentException($"Probes consume each other's readings in a cycle (at '{p.Name}').", nameof(probes));
            foreach (var producer in probes.Where(q => q != p && q.Publishes.Intersect(p.Consumes).Any())) Place(producer);
            ordered.Add(p);
        }
        foreach (var p in probes) Place(p);
        return ordered;
    }

    void AttachAll(long step)
    {
        foreach (var slot in slots)
        {
            if (slot.Disabled || slot.Probe is not IAttachableProbe attachable) continue;
            try
            {
                attachable.Attach(parameters);
            }
            catch (Exception e)
            {
                slot.Disabled = true;
                Emit(new MonitorEvent(step, "probe_failed", slot.Probe.Name,
                    $"Probe '{slot.Probe.Name}' failed to attach ({e.GetType().Name}: {e.Message}). It is disabled; training goes on."));
            }
        }
    }

    /// <summary>
    /// Follows the module's trainable parameters (monitors built from a module only): when a parameter appeared,
    /// disappeared or was replaced (another tensor under a name), emits <c>parameters_changed</c>, drops the
    /// update snapshot and attaches the probes again.
    /// </summary>
    void FollowModule(long step)
    {
        if (module is null) return;
        List<NamedParameter> now;
        try { now = Trainable(module); }
        catch (Exception e)
        {
            Emit(new MonitorEvent(step, "parameters_unreadable", BookkeepingName, $"Could not list the module's parameters ({e.GetType().Name}: {e.Message}); the last known set is watched."));
            return;
        }
        bool same = now.Count == parameters.Count && now.Zip(parameters, (a, b) => a.Name == b.Name && ReferenceEquals(a.Value, b.Value)).All(x => x);
        if (same) return;
        var before = parameters.Select(p => p.Name).ToHashSet();
        var after = now.Select(p => p.Name).ToHashSet();
        var added = after.Except(before).ToList();
        var removed = before.Except(after).ToList();
        var replaced = now.Where(p => before.Contains(p.Name) && parameters.First(q => q.Name == p.Name) is var q
            && !ReferenceEquals(p.Value, q.Value)).Select(p => p.Name).ToList();
        string List(string label, List<string> names) => names.Count == 0 ? "" : $" {label}: {string.Join(", ", names.Take(8))}{(names.Count > 8 ? $" (+{names.Count - 8})" : "")}.";
        Emit(new MonitorEvent(step, "parameters_changed", BookkeepingName,
            $"The watched parameters changed ({parameters.Count} → {now.Count} tensors).{List("added", added)}{List("removed", removed)}{List("replaced", replaced)} Probes follow the new set; update and window statistics restart."));
        parameters = now;
        DisposePrevious();
        AttachAll(step);
    }

    /// <summary>The trainer's evaluation interval, for <see cref="ProbeSchedule.OnEvaluation"/> (0: unknown).</summary>
    public int EvaluationEvery { get; set; }

    /// <summary>Evaluates the loss on other batches for probes that need it.</summary>
    public ILossSource? LossSource { get; set; }

    /// <summary>The optimizer's current learning rate (set by the training loop; probes read it from <see cref="ProbeContext.LearningRate"/>).</summary>
    public double? LearningRate { get; set; }

    /// <summary>The watched parameters.</summary>
    public IReadOnlyList<NamedParameter> Parameters => parameters;

    /// <summary>Keeps the monitor within a share of training time by stretching probe intervals (null: base schedules).</summary>
    public MonitorBudget? Budget
    {
        get => budget;
        set
        {
            budget = value;
            if (value is null) return;
            foreach (var s in slots)
                if (s.Probe.EstimatedStepsPerCall is double e) value.SetPrior(s.Probe.Name, e);
        }
    }
    MonitorBudget? budget;

    /// <summary>The clock that times probes and training steps (the system's by default; a test can pass a manual one so
    /// budget decisions do not depend on how loaded the machine is).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Every event emitted so far (also sent to the sinks).</summary>
    public IReadOnlyList<MonitorEvent> Events => events;

    /// <summary>Adds a sink (e.g. the run store) after construction.</summary>
    public void AddSink(IMonitorSink sink) => sinks.Add(sink);

    /// <summary>Time spent per probe and in the monitor's own bookkeeping.</summary>
    public IReadOnlyList<ProbeTiming> Timings =>
        slots.Select(s => new ProbeTiming(s.Probe.Name, s.Calls, Seconds(s.Ticks), s.Disabled))
            .Append(new ProbeTiming(BookkeepingName, bookkeepingCalls, Seconds(bookkeepingTicks), false)).ToList();

    /// <summary>Total seconds the monitor has cost.</summary>
    public double TotalSeconds => Timings.Sum(t => t.TotalSeconds);

    /// <summary>Call after <c>loss.backward()</c> and before <c>optimizer.step()</c>.</summary>
    /// <param name="step">The optimizer step about to be taken (1-based).</param>
    /// <param name="loss">The step's loss (scalar), if probes should see it.</param>
    public void AfterBackward(long step, Tensor? loss = null)
    {
        long t0 = Clock.GetTimestamp();
        currentStep = step;
        snapshotValid = false;
        // Listing the module costs ~0.1 ms (38 tensors): only on steps where some probe will look at the parameters.
        if (slots.Any(s => !s.Disabled && Due(s, step, MonitorPhase.AfterBackward))) FollowModule(step);
        if (slots.Any(s => !s.Disabled && s.Probe.Needs.HasFlag(ProbeNeeds.Update) && Due(s, step, MonitorPhase.AfterStep)))
            TakeSnapshot(step);
        bookkeepingTicks += Clock.GetTimestamp() - t0;
        bookkeepingCalls++;

        double? lossValue = null;
        bool lossRead = false;
        Run(step, MonitorPhase.AfterBackward, () =>
        {
            if (!lossRead && loss is not null && !loss.IsInvalid) lossValue = loss.detach().cpu().to_type(ScalarType.Float64).item<double>();
            lossRead = true;
            return lossValue;
        }, null);
    }

    /// <summary>
    /// How many micro-batches step <paramref name="step"/> should be split into: k when a micro-batch probe is
    /// due (then call <see cref="AfterMicroBatch"/> after each part's backward), else 1.
    /// </summary>
    public int MicroBatchesDue(long step)
    {
        var due = slots.FirstOrDefault(s => SplitsBatchAt(s, step));
        return due is null ? 1 : ((IMicroBatchProbe)due.Probe).MicroBatches;
    }

    /// <summary>
    /// Call instead of splitting when step <paramref name="step"/>'s batch cannot be split into the
    /// <see cref="MicroBatchesDue"/> equal parts (e.g. the short last batch of an epoch): the micro-batch probes due skip
    /// the step (no metrics) rather than fail. A loop that never splits still gets <c>probe_failed</c>.
    /// </summary>
    public void MicroBatchesUnavailable(long step)
    {
        foreach (var slot in slots.Where(s => SplitsBatchAt(s, step))) ((IMicroBatchProbe)slot.Probe).SkipStep(step);
    }

    /// <summary>Call after the backward of micro-batch <paramref name="index"/> (0-based) of step <paramref name="step"/>.</summary>
    public void AfterMicroBatch(long step, int index)
    {
        currentStep = step;
        var due = slots.Where(s => SplitsBatchAt(s, step)).ToList();
        if (due.Count > 0)
            Run(step, MonitorPhase.AfterBackward, () => null, null, due, (probe, context, _) => ((IMicroBatchProbe)probe).ObserveMicroBatch(context, index));
    }

    /// <summary>
    /// Call after each step's forward and backward with their wall time. A step split into micro-batches for a probe
    /// (<see cref="MicroBatchesDue"/>) costs more than an unsplit one — k small passes instead of one — and that extra
    /// time is the probe's cost as much as its own calls are: it is charged to the probes that asked for the split (their
    /// timings, and the budget's cost per call), measured as this step's time minus the probes' own micro-batch calls
    /// minus the median of the last unsplit steps. Without this the consolidation probe's stopwatch showed ≈ 9 ms per
    /// call while the split step cost ≈ 40 ms more than a plain one (docs/PERFORMANCE.md).
    /// </summary>
    public void ForwardBackwardTook(long step, double seconds)
    {
        long t0 = Clock.GetTimestamp();
        var due = slots.Where(s => SplitsBatchAt(s, step)).ToList();
        if (due.Count == 0)
        {
            unsplitSeconds.Enqueue(seconds);
            if (unsplitSeconds.Count > 21) unsplitSeconds.Dequeue();
        }
        else if (unsplitSeconds.Count > 0)
        {
            var sorted = unsplitSeconds.Order().ToArray();
            double own = due.Where(s => s.StepOfTicks == step).Sum(s => Seconds(s.StepTicks));
            double extra = seconds - own - sorted[sorted.Length / 2];
            if (extra > 0)
            {
                long ticks = (long)(extra / due.Count * Clock.TimestampFrequency);
                foreach (var s in due)
                {
                    s.Ticks += ticks;
                    if (s.StepOfTicks != step) { s.StepOfTicks = step; s.StepTicks = 0; }
                    s.StepTicks += ticks;
                }
            }
        }
        bookkeepingTicks += Clock.GetTimestamp() - t0;
    }

    /// <summary>A probe that asks the loop to split the batch (<see cref="ProbeNeeds.MicroBatchGradients"/> on an <see cref="IMicroBatchProbe"/>).</summary>
    static bool SplitsBatches(IProbe probe) => probe is IMicroBatchProbe && probe.Needs.HasFlag(ProbeNeeds.MicroBatchGradients);

    bool SplitsBatchAt(Slot slot, long step) => !slot.Disabled && SplitsBatches(slot.Probe) && Due(slot, step, MonitorPhase.AfterBackward);

    /// <summary>Call after <c>optimizer.step()</c>.</summary>
    public void AfterStep(long step)
    {
        currentStep = step;
        Run(step, MonitorPhase.AfterStep, () => null, null);
        snapshotValid = false;
        if (Budget is not null) KeepBudget(step);
    }

    /// <summary>The base schedule is due and, on a budget, the probe's stretched interval allows it.</summary>
    bool Due(Slot slot, long step, MonitorPhase phase) =>
        IsDue(slot.Probe.Schedule, step, phase)
        && (Budget is null || phase == MonitorPhase.Evaluation || !Stretchable(slot) || Budget.Allows(slot.Probe.Name, step));

    bool Stretchable(Slot slot) => !slot.Probe.FixedSchedule && slot.Phase != MonitorPhase.Evaluation;

    int BaseInterval(Slot slot) => slot.Probe.Schedule switch
    {
        ProbeSchedule.EveryN e => e.N,
        ProbeSchedule.OnEvaluationSchedule => Math.Max(1, EvaluationEvery),
        _ => 1,
    };

    /// <summary>Budget bookkeeping at the end of a step: the step's training time (wall time since the last step minus the
    /// monitor's), each probe that ran, transition signals, and a re-plan when due.</summary>
    void KeepBudget(long step)
    {
        long now = Clock.GetTimestamp();
        long monitorTicks = slots.Sum(s => s.Ticks) + bookkeepingTicks;
        if (lastStepTimestamp != 0)
            Budget!.Step(Seconds(now - lastStepTimestamp - (monitorTicks - monitorTicksAtLastStep)), Seconds(bookkeepingTicks - bookkeepingTicksAtLastStep));
        foreach (var s in slots)
            if (s.StepOfTicks == step && Stretchable(s)) Budget!.Ran(s.Probe.Name, step, Seconds(s.StepTicks), BaseInterval(s));
        // A continuing signal is heeded only while the account is clear (MonitorBudget: p may sit near 0.5 for thousands of steps).
        foreach (var s in slots)
            if (!s.Disabled && s.Probe is ITransitionSignal { TransitionUnderway: true } && Budget!.Debt <= 0)
                SuspendBudget(step, s.Probe.Name, $"'{s.Probe.Name}' reports a transition under way");
        var infos = slots.Where(s => !s.Disabled).Select(s => new MonitorBudget.ProbeInfo(s.Probe.Name, BaseInterval(s), Stretchable(s))).ToList();
        var changed = Budget!.Replan(step, infos);
        if (changed.Count > 0)
        {
            Send(infos.Select(i => new MetricRecord(step, $"monitor/interval/{i.Name}", (double)Budget.Interval(i.Name) * i.BaseInterval)).ToList());
            Emit(new MonitorEvent(step, "budget_intervals", BookkeepingName,
                $"Monitor budget {Budget.Fraction:P1} of a {Budget.StepSeconds * 1e3:F2} ms step" +
                (Budget.Debt > 0 ? $" (repaying {Budget.Debt * 1e3:F1} ms over {Budget.ReplanEvery} steps)" : "") + $": {Budget.Describe(infos)}."));
        }
        // Nothing above runs a probe or adds bookkeeping ticks: the sum taken on entry is still the monitor's total.
        lastStepTimestamp = Clock.GetTimestamp();
        monitorTicksAtLastStep = monitorTicks;
        bookkeepingTicksAtLastStep = bookkeepingTicks;
    }

    void SuspendBudget(long step, string probe, string why)
    {
        if (Budget!.Suspend(step, probe))
            Emit(new MonitorEvent(step, "budget_suspended", BookkeepingName,
                $"{why}: it runs at its base schedule and the others on the {Budget.TransitionBoost:G}× budget plan until step {Budget.SuspendedUntil}."));
    }

    /// <summary>Call after a periodic evaluation: records the results and runs evaluation probes.</summary>
    public void OnEvaluation(long step, EvaluationResult result)
    {
        currentStep = step;
        long t0 = Clock.GetTimestamp();
        var metrics = new List<MetricRecord>
        {
            new(step, EvaluationMetrics.TrainLoss, result.TrainLoss),
            new(step, EvaluationMetrics.TrainAcc, result.TrainAccuracy),
            new(step, EvaluationMetrics.TestLoss, result.TestLoss),
            new(step, EvaluationMetrics.TestAcc, result.TestAccuracy),
        };
        if (result.TrainTokenAccuracy is double trTok) metrics.Add(new(step, EvaluationMetrics.TrainTokenAcc, trTok));
        if (result.TestTokenAccuracy is double teTok) metrics.Add(new(step, EvaluationMetrics.TestTokenAcc, teTok));
        Send(metrics);
        bookkeepingTicks += Clock.GetTimestamp() - t0;
        Run(step, MonitorPhase.Evaluation, () => null, result);
    }

    /// <summary>Records metrics measured outside the probes (e.g. an experiment's own evaluation) in every sink.</summary>
    public void Record(IReadOnlyList<MetricRecord> metrics)
    {
        long t0 = Clock.GetTimestamp();
        Send(metrics);
        bookkeepingTicks += Clock.GetTimestamp() - t0;
    }

    /// <summary>Emits an event from outside the probes (e.g. the trainer's grok detection).</summary>
    public void Emit(MonitorEvent monitorEvent)
    {
        events.Add(monitorEvent);
        foreach (var sink in sinks) Guard(sink, () => sink.Write(monitorEvent));
    }

    void Run(long step, MonitorPhase phase, Func<double?> loss, EvaluationResult? evaluation,
        List<Slot>? due = null, Action<IProbe, ProbeContext, ProbeOutput>? invoke = null)
    {
        if (due is null)
            foreach (var s in slots)
                // An update probe needs this step's snapshot: without it (the snapshot failed, or a budget suspension
                // made the probe due after the snapshot was decided) it skips the step rather than report a false 0.
                if (!s.Disabled && s.Phase == phase && Due(s, step, phase)
                    && !(phase == MonitorPhase.AfterStep && s.Probe.Needs.HasFlag(ProbeNeeds.Update) && !snapshotValid))
                    (due ??= []).Add(s);
        if (due is null) return;
        invoke ??= (probe, context, output) => probe.Observe(context, output);

        var grads = new Tensor?[parameters.Count];
        var gradsRead = new bool[parameters.Count];
        var updates = new Tensor?[parameters.Count];
        Tensor? Gradient(int i)
        {
            // The handle is shared by every probe of this call: keep it out of the calling probe's
            // dispose scope (it is disposed below, after the last probe).
            if (!gradsRead[i]) { grads[i] = parameters[i].Value.grad?.DetachFromDisposeScope(); gradsRead[i] = true; }
            return grads[i];
        }
        Tensor? Update(int i)
        {
            if (Previous(i) is not { } before) return null;
            return updates[i] ??= parameters[i].Value.detach().sub(before).DetachFromDisposeScope();
        }
        Tensor? Previous(int i) => phase == MonitorPhase.AfterStep && snapshotValid ? previous![i] : null;

        var context = new ProbeContext(step, phase, parameters, loss, Gradient, Update, Previous, LossSource, evaluation, LearningRate, Readings);
        var metrics = new List<MetricRecord>();
        var snapshots = new List<MonitorSnapshot>();
        try
        {
            foreach (var slot in due)
            {
                var output = new ProbeOutput(step, slot.Probe.Name);
                long t0 = Clock.GetTimestamp();
                try
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    invoke(slot.Probe, context, output);
                    metrics.AddRange(output.Metrics);
                    snapshots.AddRange(output.Snapshots);
                    foreach (var e in output.Events) Emit(e);
                    if (Budget is not null && output.Events.Count > 0) SuspendBudget(step, slot.Probe.Name, $"'{slot.Probe.Name}' reported {output.Events[0].Kind}");
                }
                catch (Exception e) when (e is not SinkFailedException)   // the store failing while taking the probe's events is no probe failure
                {
                    slot.Disabled = true;
                    Emit(new MonitorEvent(step, "probe_failed", slot.Probe.Name,
                        $"Probe '{slot.Probe.Name}' threw {e.GetType().Name}: {e.Message}. It is disabled; training goes on."));
                }
                finally
                {
                    long dt = Clock.GetTimestamp() - t0;
                    slot.Ticks += dt;
                    slot.Calls++;
                    if (slot.StepOfTicks != step) { slot.StepOfTicks = step; slot.StepTicks = 0; }
                    slot.StepTicks += dt;
                }
            }
        }
        finally
        {
            foreach (var g in grads) g?.Dispose();
            foreach (var u in updates) u?.Dispose();
        }

        long tb = Clock.GetTimestamp();
        if (metrics.Count > 0) Send(metrics);
        foreach (var snapshot in snapshots)
            foreach (var sink in sinks) Guard(sink, () => sink.Write(snapshot));
        bookkeepingTicks += Clock.GetTimestamp() - tb;
    }

    /// <summary>
    /// Whether a schedule is due. In the evaluation phase an <see cref="ProbeSchedule.OnEvaluation"/> probe runs at every
    /// evaluation (including a final one off the interval); any other schedule is honoured there too (e.g. every 500 steps).
    /// </summary>
    bool IsDue(ProbeSchedule schedule, long step, MonitorPhase phase) =>
        (phase == MonitorPhase.Evaluation && schedule is ProbeSchedule.OnEvaluationSchedule) || schedule.IsDue(step, EvaluationEvery);

    void Send(IReadOnlyList<MetricRecord> metrics)
    {
        foreach (var sink in sinks) Guard(sink, () => sink.Write(metrics));
    }

    void Guard(IMonitorSink sink, Action write)
    {
        if (failedSinks.Contains(sink)) return;
        try
        {
            write();
        }
        catch (Exception e) when (e is not SinkFailedException)   // an essential sink's failure, raised inside another sink's write, passes
        {
            failedSinks.Add(sink);
            if (sink.Essential) throw new SinkFailedException(sink.GetType().Name, currentStep, e);
            // Any other sink that fails is reported once, on stderr and to the other sinks, and skipped from then on.
            var ev = new MonitorEvent(currentStep, "sink_failed", sink.GetType().Name, $"Sink {sink.GetType().Name} failed: {e.Message}. It is skipped from now on.");
            Console.Error.WriteLine($"phasescope: {ev.Message}");
            events.Add(ev);
            foreach (var other in sinks) if (!failedSinks.Contains(other)) Guard(other, () => other.Write(ev));
        }
    }

    /// <summary>
    /// Copies θ into buffers kept across steps (allocated on first use, refreshed with <c>copy_</c>).
    /// A failure (e.g. a parameter replaced by one of another shape) is reported as an event, the
    /// buffers are dropped and reallocated next time, and update probes see no update this step.
    /// </summary>
    void TakeSnapshot(long step)
    {
        try
        {
            using var _ = no_grad();
            if (previous is null)
                previous = parameters.Select(p => p.Value.detach().clone().DetachFromDisposeScope()).ToArray();
            else
                for (int i = 0; i < previous.Length; i++) previous[i].copy_(parameters[i].Value);
            snapshotValid = true;
        }
        catch (Exception e)
        {
            DisposePrevious();
            Emit(new MonitorEvent(step, "snapshot_failed", BookkeepingName,
                $"Could not copy the parameters for the update probes ({e.GetType().Name}: {e.Message}); they skip this step."));
        }
    }

    void DisposePrevious()
    {
        snapshotValid = false;
        if (previous is null) return;
        foreach (var t in previous) t.Dispose();
        previous = null;
    }

    /// <summary>Flushes every sink (<see cref="IMonitorSink.Flush"/>); a sink that fails is reported and skipped as for writes.</summary>
    public void FlushSinks()
    {
        foreach (var sink in sinks) Guard(sink, sink.Flush);
    }

    /// <summary>
    /// Writes the monitor's state for a resume point to <paramref name="path"/> (safetensors, atomic): every
    /// <see cref="IResumableProbe"/>'s tensors and values under <c>probe/key</c>, and per probe its call count, seconds
    /// and whether it was disabled, so the resumed run's cost table covers the whole run.
    /// </summary>
    public void SaveState(string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var tensors = new List<(string, Tensor)>();
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>());
        var states = new List<ProbeState>();
        var own = new ProbeState();   // the monitor's bookkeeping, under "(monitor)/"
        try
        {
            foreach (var slot in slots)
            {
                string prefix = slot.Probe.Name + "/";
                own.Set($"calls/{slot.Probe.Name}", slot.Calls);
                own.Set($"seconds/{slot.Probe.Name}", Seconds(slot.Ticks));
                own.Set($"disabled/{slot.Probe.Name}", slot.Disabled);
                if (slot.Disabled || slot.Probe is not IResumableProbe resumable) continue;
                var state = new ProbeState();
                states.Add(state);
                using (NewDisposeScope()) using (no_grad()) resumable.SaveState(state);
                foreach (var (k, t) in state.Tensors) tensors.Add((prefix + k, t));
                foreach (var (k, v) in state.Values) metadata[prefix + k] = v;
            }
            if (Budget is not null)
            {
                var budgetState = new ProbeState();
                Budget.SaveState(budgetState);
                foreach (var (k, v) in budgetState.Values) own.Set($"budget/{k}", v);
            }
            own.Set("bookkeeping_seconds", Seconds(bookkeepingTicks));
            own.Set("bookkeeping_calls", bookkeepingCalls);
            foreach (var (k, v) in own.Values) metadata[$"{BookkeepingName}/{k}"] = v;
            Checkpoints.Safetensors.Save(path, tensors, metadata);
        }
        finally
        {
            foreach (var s in states) s.DisposeTensors();
        }
    }

    /// <summary>
    /// Restores a state written by <see cref="SaveState"/> (the same probes, attached to the same parameters) and the
    /// events emitted before it (<paramref name="earlierEvents"/>, kept in <see cref="Events"/> but not sent to the
    /// sinks again). A probe whose state does not fit is reported (<c>probe_state_lost</c>) and starts afresh.
    /// </summary>
    public void LoadState(string path, long step, IEnumerable<MonitorEvent>? earlierEvents = null)
    {
        var tensors = Checkpoints.Safetensors.Load(path, out var metadata);
        // The values (and, for a probe, the tensors) stored under "prefix/", with the prefix taken off.
        ProbeState StateUnder(string prefix, bool withTensors)
        {
            var state = new ProbeState();
            foreach (var (k, v) in metadata) if (k.StartsWith(prefix, StringComparison.Ordinal)) state.Set(k[prefix.Length..], v);
            if (withTensors)
                foreach (var (k, t) in tensors) if (k.StartsWith(prefix, StringComparison.Ordinal)) state.AdoptTensor(k[prefix.Length..], t);
            return state;
        }
        try
        {
            events.AddRange(earlierEvents ?? []);
            var own = StateUnder(BookkeepingName + "/", withTensors: false);
            foreach (var slot in slots)
            {
                string name = slot.Probe.Name;
                if (own.Long($"calls/{name}") is long calls) slot.Calls = calls;
                if (own.Double($"seconds/{name}") is double secs) slot.Ticks = (long)(secs * Clock.TimestampFrequency);
                if (own.Flag($"disabled/{name}") == true) slot.Disabled = true;
                if (slot.Disabled || slot.Probe is not IResumableProbe resumable) continue;
                var state = StateUnder(name + "/", withTensors: true);
                try
                {
                    using (NewDisposeScope()) using (no_grad()) resumable.LoadState(state);
                    resumable.Republish(Readings);
                }
                catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatException or OverflowException)
                {
                    Emit(new MonitorEvent(step, "probe_state_lost", name,
                        $"Probe '{name}' could not take back its state from {Path.GetFileName(path)} ({e.Message}); it starts afresh."));
                }
            }
            if (Budget is not null)
            {
                try
                {
                    Budget.LoadState(StateUnder(BookkeepingName + "/budget/", withTensors: false));
                }
                catch (Exception e) when (e is FormatException or OverflowException or KeyNotFoundException)
                {
                    Emit(new MonitorEvent(step, "budget_state_lost", BookkeepingName,
                        $"The monitor budget could not take back its account from {Path.GetFileName(path)} ({e.Message}); it starts a new warm-up."));
                }
            }
            if (own.Double("bookkeeping_seconds") is double b) bookkeepingTicks = (long)(b * Clock.TimestampFrequency);
            if (own.Long("bookkeeping_calls") is long bc) bookkeepingCalls = bc;
            currentStep = step;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    double Seconds(long ticks) => (double)ticks / Clock.TimestampFrequency;

    /// <summary>Releases the parameter snapshot and disposable probes.</summary>
    public void Dispose()
    {
        DisposePrevious();
        foreach (var slot in slots) (slot.Probe as IDisposable)?.Dispose();
    }
}
