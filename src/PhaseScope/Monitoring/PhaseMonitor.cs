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

    IReadOnlyList<NamedParameter> parameters;
    readonly nn.Module? module;
    readonly List<ProbeSlot> slots;
    readonly MonitorSinks sinks;
    readonly List<MonitorEvent> events = [];
    readonly UpdateSnapshot snapshot = new();
    long currentStep;
    long bookkeepingTicks, bookkeepingCalls;
    readonly SplitStepCharge splitCharge = new();

    /// <summary>Creates a monitor over <paramref name="module"/>'s trainable parameters.</summary>
    /// <remarks>
    /// The set is read again before every step at which a probe is due: a parameter registered later (a growing model) or one that stops
    /// requiring gradients (a layer frozen mid-run) gives a <c>parameters_changed</c> event, the watched set follows
    /// the module, and the probes that keep per-parameter state are attached again (<see cref="IAttachableProbe"/>).
    /// </remarks>
    public PhaseMonitor(nn.Module module, IEnumerable<IProbe> probes, IEnumerable<IMonitorSink>? sinks = null)
        : this(TrainableOnceInitialized(module), probes, sinks)
    {
        this.module = module;
    }

    static List<NamedParameter> TrainableOnceInitialized(nn.Module module)
    {
        TorchRuntime.Initialize();   // before the first native call of the monitor's own
        return WatchedSet.Trainable(module);
    }

    /// <summary>Creates a monitor over explicit named parameters.</summary>
    public PhaseMonitor(IEnumerable<NamedParameter> parameters, IEnumerable<IProbe> probes, IEnumerable<IMonitorSink>? sinks = null)
    {
        TorchRuntime.Initialize();
        this.parameters = parameters.ToList();
        slots = ProbeOrder.ProducersFirst(probes.ToList()).Select(p => new ProbeSlot(p)).ToList();
        var dup = slots.GroupBy(s => s.Probe.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Two probes are named '{dup.Key}'; probe names must be unique.", nameof(probes));
        this.sinks = new MonitorSinks(sinks, () => currentStep, events.Add);
        MicroBatches = MicroBatchCount.Agreed(slots.Select(s => s.Probe).Where(SplitsBatches).Cast<IMicroBatchProbe>(), nameof(probes));
        AttachAll(0);
    }

    /// <summary>The typed readings probes published (<see cref="MonitorReadings"/>): controllers and training loops read
    /// them here, probes through <see cref="ProbeContext.Readings"/>.</summary>
    public MonitorReadings Readings { get; } = new();

    /// <summary>Whether some probe of this monitor publishes readings of <paramref name="type"/>.</summary>
    public bool Publishes(Type type) => slots.Any(s => s.Probe.Publishes.Contains(type));

    /// <summary>The k every micro-batch probe splits its batch into (null: no such probe).</summary>
    public int? MicroBatches { get; }

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
        try { now = WatchedSet.Trainable(module); }
        catch (Exception e)
        {
            Emit(new MonitorEvent(step, "parameters_unreadable", BookkeepingName, $"Could not list the module's parameters ({e.GetType().Name}: {e.Message}); the last known set is watched."));
            return;
        }
        if (WatchedSet.Change(parameters, now) is not { } change) return;
        Emit(new MonitorEvent(step, "parameters_changed", BookkeepingName, change));
        parameters = now;
        snapshot.Drop();
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

    /// <summary>The last step the monitor was called at (0 before the first call).</summary>
    public long CurrentStep => currentStep;

    /// <summary>Keeps the monitor within a share of training time by stretching probe intervals (null: base schedules).</summary>
    public MonitorBudget? Budget
    {
        get => budget;
        set
        {
            budget = value;
            budgetGate = value is null ? null : new BudgetGate(value);
            if (value is null) return;
            foreach (var s in slots)
                if (s.Probe.EstimatedStepsPerCall is double e) value.SetPrior(s.Probe.Name, e);
        }
    }
    MonitorBudget? budget;
    BudgetGate? budgetGate;

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
        snapshot.Invalidate();
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
        return MicroBatches is int k && slots.Any(s => SplitsBatchAt(s, step)) ? k : 1;
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
        splitCharge.Charge(step, seconds, slots.Where(s => SplitsBatchAt(s, step)).ToList(), Clock.TimestampFrequency);
        bookkeepingTicks += Clock.GetTimestamp() - t0;
    }

    /// <summary>A probe that asks the loop to split the batch (<see cref="ProbeNeeds.MicroBatchGradients"/> on an <see cref="IMicroBatchProbe"/>).</summary>
    static bool SplitsBatches(IProbe probe) => probe is IMicroBatchProbe && probe.Needs.HasFlag(ProbeNeeds.MicroBatchGradients);

    bool SplitsBatchAt(ProbeSlot slot, long step) => !slot.Disabled && SplitsBatches(slot.Probe) && Due(slot, step, MonitorPhase.AfterBackward);

    /// <summary>Call after <c>optimizer.step()</c>.</summary>
    public void AfterStep(long step)
    {
        currentStep = step;
        Run(step, MonitorPhase.AfterStep, () => null, null);
        snapshot.Invalidate();
        if (Budget is not null) KeepBudget(step);
    }

    /// <summary>The base schedule is due and, on a budget, the probe's stretched interval allows it.</summary>
    bool Due(ProbeSlot slot, long step, MonitorPhase phase) =>
        IsDue(slot.Probe.Schedule, step, phase)
        && (Budget is null || phase == MonitorPhase.Evaluation || !Stretchable(slot) || Budget.Allows(slot.Probe.Name, step));

    bool Stretchable(ProbeSlot slot) => !slot.Probe.FixedSchedule && slot.Phase != MonitorPhase.Evaluation;

    int BaseInterval(ProbeSlot slot) => slot.Probe.Schedule.BaseInterval(EvaluationEvery);

    void KeepBudget(long step) =>
        budgetGate!.EndOfStep(step, slots, bookkeepingTicks, BaseInterval, Stretchable, Clock, Send, Emit);

    void SuspendBudget(long step, string probe, string why) => budgetGate!.Suspend(step, probe, why, Emit);

    /// <summary>Call after a periodic evaluation: records the results and runs evaluation probes.</summary>
    public void OnEvaluation(long step, EvaluationResult result)
    {
        currentStep = step;
        long t0 = Clock.GetTimestamp();
        Send(EvaluationMetrics.Of(step, result));
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
        sinks.Write(monitorEvent);
    }

    void Run(long step, MonitorPhase phase, Func<double?> loss, EvaluationResult? evaluation,
        List<ProbeSlot>? due = null, Action<IProbe, ProbeContext, ProbeOutput>? invoke = null)
    {
        if (due is null)
            foreach (var s in slots)
                // An update probe needs this step's snapshot: without it (the snapshot failed, or a budget suspension
                // made the probe due after the snapshot was decided) it skips the step rather than report a false 0.
                if (!s.Disabled && s.Phase == phase && Due(s, step, phase)
                    && !(phase == MonitorPhase.AfterStep && s.Probe.Needs.HasFlag(ProbeNeeds.Update) && !snapshot.Valid))
                    (due ??= []).Add(s);
        if (due is null) return;
        invoke ??= (probe, context, output) => probe.Observe(context, output);

        Tensor? Previous(int i) => phase == MonitorPhase.AfterStep ? snapshot.Previous(i) : null;
        using var tensors = new StepTensors(parameters, Previous);
        var context = new ProbeContext(step, phase, parameters, loss, tensors.Gradient, tensors.Update, Previous, LossSource, evaluation, LearningRate, Readings);
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
            tensors.Dispose();   // before the sinks' time below, as ever
        }

        long tb = Clock.GetTimestamp();
        if (metrics.Count > 0) Send(metrics);
        foreach (var snapshot in snapshots) sinks.Write(snapshot);
        bookkeepingTicks += Clock.GetTimestamp() - tb;
    }

    /// <summary>
    /// Whether a schedule is due. In the evaluation phase an <see cref="ProbeSchedule.OnEvaluation"/> probe runs at every
    /// evaluation (including a final one off the interval); any other schedule is honoured there too (e.g. every 500 steps).
    /// </summary>
    bool IsDue(ProbeSchedule schedule, long step, MonitorPhase phase) =>
        (phase == MonitorPhase.Evaluation && schedule is ProbeSchedule.OnEvaluationSchedule) || schedule.IsDue(step, EvaluationEvery);

    void Send(IReadOnlyList<MetricRecord> metrics) => sinks.Write(metrics);

    /// <summary>Copies θ for the update probes (<see cref="UpdateSnapshot"/>); a failure is reported and they skip the step.</summary>
    void TakeSnapshot(long step)
    {
        if (snapshot.Take(parameters) is { } e)
            Emit(new MonitorEvent(step, "snapshot_failed", BookkeepingName,
                $"Could not copy the parameters for the update probes ({e.GetType().Name}: {e.Message}); they skip this step."));
    }

    /// <summary>Flushes every sink (<see cref="IMonitorSink.Flush"/>); a sink that fails is reported and skipped as for writes.</summary>
    public void FlushSinks() => sinks.Flush();

    /// <summary>
    /// Writes the monitor's state for a resume point to <paramref name="path"/> (safetensors, atomic): every
    /// <see cref="IResumableProbe"/>'s tensors and values under <c>probe/key</c>, and per probe its call count, seconds
    /// and whether it was disabled, so the resumed run's cost table covers the whole run.
    /// </summary>
    public void SaveState(string path, IReadOnlyDictionary<string, string>? extraMetadata = null) =>
        MonitorStateFile.Save(path, slots, Budget, Seconds(bookkeepingTicks), bookkeepingCalls, Seconds, extraMetadata);

    /// <summary>
    /// Restores a state written by <see cref="SaveState"/> (the same probes, attached to the same parameters) and the
    /// events emitted before it (<paramref name="earlierEvents"/>, kept in <see cref="Events"/> but not sent to the
    /// sinks again). A probe whose state does not fit is reported (<c>probe_state_lost</c>) and starts afresh.
    /// <paramref name="rollBack"/> (the model was restored to that point mid-run): only the probes go back; timings, budget and events stay, and the update probes skip this step.
    /// </summary>
    public void LoadState(string path, long step, IEnumerable<MonitorEvent>? earlierEvents = null, bool rollBack = false)
    {
        var (bookkeepingSeconds, calls) = MonitorStateFile.Load(path, step, slots, Budget, Readings, Emit, Clock.TimestampFrequency, () => events.AddRange(earlierEvents ?? []), rollBack);
        if (rollBack) snapshot.Invalidate();
        if (bookkeepingSeconds is double b) bookkeepingTicks = (long)(b * Clock.TimestampFrequency);
        if (calls is long bc) bookkeepingCalls = bc;
        currentStep = step;
    }

    double Seconds(long ticks) => (double)ticks / Clock.TimestampFrequency;

    /// <summary>Releases the parameter snapshot and disposable probes.</summary>
    public void Dispose()
    {
        snapshot.Dispose();
        foreach (var slot in slots) (slot.Probe as IDisposable)?.Dispose();
    }
}
