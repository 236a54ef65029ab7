using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PhaseScope.Control;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Reporting;
using PhaseScope.Runtime;
using PhaseScope.SpectralEdge;
using TorchSharp;
using PhaseScope.Reporting.Store;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// One call that attaches to a loop of one's own what <c>phasescope grok</c> attaches to its own: the run store, the
/// monitor with every family at grok's default schedule, the live diagnosis, the loop protocol (<see cref="Loop"/>,
/// a <see cref="MonitoredLoop"/> over the optimizer) and, at <see cref="Finish"/>, the probe timings, the summary and
/// the HTML report that <c>grok</c> writes.
/// <code>
/// using var run = PhaseScopeSession.Attach(model, optimizer, new AttachOptions("runs/mine") { BatchSize = 64 });
/// for (int step = 1; step &lt;= steps &amp;&amp; run.Loop.Stop is null; step++)
/// {
///     optimizer.zero_grad();
///     using var loss = run.Loop.Backward(step, x, y, (xs, ys) => criterion.call(model.call(xs), ys));
///     optimizer.step();
///     run.Loop.AfterStep(step);
///     if (step % 100 == 0) run.Evaluate(step, new EvaluationResult(trainLoss, trainAcc, testLoss, testAcc));
/// }
/// Console.WriteLine(run.Finish().Diagnosis);
/// </code>
/// The families and their schedules (grok's defaults): the cheap probes every 10 steps with per-tensor series; seed
/// 000's moments, log-spaced, with snapshots every 4th call; seed 003's C_α from k micro-batches of the step's batch
/// (the largest k in 8…2 dividing the batch) every 100 steps, every 10 with controllers; seed 003's λ_max every 2,000
/// steps on a 64-example Hessian batch (needs <see cref="AttachOptions.LossSource"/>); seed 001's spectral edge (W = 10
/// updates, stride 100) of the attention projections, or of every tensor where the model has none; the weight spectra
/// at every evaluation. A family that cannot run on this model or these options is left off, and <see cref="Notes"/>
/// says why (each note is also the run's <c>family_off</c> event).
/// </summary>
public sealed class PhaseScopeSession : IDisposable
{
    readonly AttachOptions options;
    readonly DiagnosisSink diagnosis;
    readonly long started = Stopwatch.GetTimestamp();
    readonly List<string> notes;
    EvaluationResult? lastEvaluation;
    long lastStep;
    bool finished;

    PhaseScopeSession(AttachOptions options, RunStore store, PhaseMonitor monitor, DiagnosisSink diagnosis, MonitoredLoop loop, List<string> notes)
    {
        this.options = options;
        Store = store;
        Monitor = monitor;
        this.diagnosis = diagnosis;
        Loop = loop;
        this.notes = notes;
    }

    /// <summary>The run's store (<c>run.db</c>).</summary>
    public RunStore Store { get; }
    /// <summary>The monitor (its probes, readings, events and timings).</summary>
    public PhaseMonitor Monitor { get; }
    /// <summary>The loop protocol over the optimizer: <c>Backward</c> and <c>AfterStep</c> each step; a controller's stop lands in <c>Loop.Stop</c>.</summary>
    public MonitoredLoop Loop { get; }
    /// <summary>The live diagnosis (phase timeline, loss spikes, stability margin).</summary>
    public RunDiagnosis Diagnosis => diagnosis.Diagnosis;
    /// <summary>The run's folder.</summary>
    public string RunDirectory => Store.Directory;
    /// <summary>Families left off, and why.</summary>
    public IReadOnlyList<string> Notes => notes;
    /// <summary>The first evaluated step whose test accuracy reached <see cref="AttachOptions.GrokThreshold"/> (null: none yet).</summary>
    public long? GrokStep { get; private set; }

    /// <summary>
    /// Creates the run in <see cref="AttachOptions.RunDirectory"/> and attaches every family to <paramref name="model"/>'s
    /// trainable parameters (buffers such as BatchNorm's running statistics are not parameters and are never watched).
    /// Initialises TorchSharp's runtime first (<see cref="TorchRuntime.Initialize"/>).
    /// </summary>
    /// <param name="model">The model being trained.</param>
    /// <param name="optimizer">Its optimizer: the learning rate is read from its first parameter group, and the controllers set it on every group.</param>
    /// <param name="options">Where the run goes and what the loop looks like.</param>
    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    /// <exception cref="RunStoreException">The run directory exists and is not empty.</exception>
    /// <exception cref="PhaseScopeRuntimeException">TorchSharp's native backend is missing (the message names the package to add).</exception>
    public static PhaseScopeSession Attach(nn.Module model, optim.Optimizer optimizer, AttachOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        TorchRuntime.Initialize();
        if (options.BatchSize < 0) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "AttachOptions.BatchSize must be ≥ 0 (0: unknown).");
        if (options.ProbeEvery < 1) throw new ArgumentOutOfRangeException(nameof(options), options.ProbeEvery, "AttachOptions.ProbeEvery must be at least 1.");
        if (options.EvaluateEvery < 0) throw new ArgumentOutOfRangeException(nameof(options), options.EvaluateEvery, "AttachOptions.EvaluateEvery must be ≥ 0 (0: unknown).");
        if (options.MonitorBudget is double b && !(b > 0 && b <= 1)) throw new ArgumentOutOfRangeException(nameof(options), b, "AttachOptions.MonitorBudget is a share of training time in (0, 1].");
        double learningRate = optimizer.ParamGroups.FirstOrDefault()?.LearningRate
            ?? throw new ArgumentException("The optimizer has no parameter groups.", nameof(optimizer));

        var notes = new List<string>();
        var probes = Probes(model, options, notes);
        var config = new Dictionary<string, string>(options.Config)
        {
            ["attach.batch_size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["attach.learning_rate"] = learningRate.ToString("R", CultureInfo.InvariantCulture),
            ["attach.optimizer"] = optimizer.GetType().Name,
            ["attach.probes"] = string.Join(",", probes.Select(p => p.Name)),
            ["attach.cheap_only"] = options.CheapOnly ? "true" : "false",
            [DiagnosisBuilder.GrokThresholdKey] = DiagnosisBuilder.ConfigValue(options.GrokThreshold),
        };
        var name = options.Name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.RunDirectory)));
        bool existed = Directory.Exists(options.RunDirectory);
        var store = RunStore.Create(options.RunDirectory, name, options.Kind, config);
        try
        {
            PhaseMonitor? watching = null;
            var diagnosis = new DiagnosisSink(DiagnosisBuilder.Create(options.GrokThreshold), e => watching!.Emit(e));
            var monitor = new PhaseMonitor(model, probes, [store, diagnosis])
            {
                EvaluationEvery = options.EvaluateEvery,
                LossSource = options.LossSource,
                Budget = options.MonitorBudget is double share ? new MonitorBudget(share) : null,
            };
            watching = monitor;
            foreach (var note in notes) monitor.Emit(new MonitorEvent(0, "family_off", "session", note));
            var loop = new MonitoredLoop(monitor, learningRate, lr => AdaptiveLearningRate.SetOn(optimizer, lr), options.Controllers, options.ControlFromStep);
            return new PhaseScopeSession(options, store, monitor, diagnosis, loop, notes);
        }
        catch
        {
            store.Dispose();
            RemoveCreated(options.RunDirectory, existed);
            throw;
        }
    }

    /// <summary>
    /// Removes what <see cref="RunStore.Create"/> made when attaching failed after it (a probe list the monitor refuses),
    /// so that no run is left reading <c>running</c>: the directory itself when it did not exist before, else its
    /// contents (it was empty: <see cref="RunStore.Create"/> refuses any other). Best effort: the attach error is the one reported.
    /// </summary>
    static void RemoveCreated(string directory, bool existed)
    {
        try
        {
            if (!existed) { Directory.Delete(directory, recursive: true); return; }
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
                if (entry is DirectoryInfo d) d.Delete(recursive: true); else entry.Delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    static List<IProbe> Probes(nn.Module model, AttachOptions o, List<string> notes)
    {
        var probes = CheapProbes.Create(o.ProbeEvery, perTensor: true).ToList();
        if (!o.CheapOnly)
        {
            probes.Add(new MomentsProbe(o.Moments ?? new MomentsOptions { Snapshots = true, SnapshotEvery = 4 }));
            if (o.LossSource is not null)
                probes.Add(new CurvatureProbe(o.Curvature ?? new CurvatureOptions { Schedule = ProbeSchedule.Every(2000), BatchSize = 64, Seed = o.Seed }));
            else notes.Add("curvature (λ_max) is off: it needs AttachOptions.LossSource (e.g. a TensorLossSource over the training tensors).");
            if (o.Consolidation is { } c) probes.Add(new ConsolidationProbe(c));
            else if (o.BatchSize > 0 && ConsolidationOptions.DividingMicroBatches(o.BatchSize) is int k)
                probes.Add(new ConsolidationProbe(new ConsolidationOptions
                {
                    Method = ConsolidationMethod.MicroBatches, Samples = k, Schedule = ProbeSchedule.Every(o.Controllers.Count > 0 ? 10 : 100),
                    BatchSize = o.BatchSize, PerTensor = true, Seed = o.Seed,
                }));
            else notes.Add(o.BatchSize == 0
                ? "consolidation (C_α) is off: it splits the step's batch into micro-batches and needs AttachOptions.BatchSize."
                : $"consolidation (C_α) is off: no k in 8…2 divides the batch of {o.BatchSize}; pass AttachOptions.Consolidation.");
            var spectral = o.Spectral ?? new SpectralEdgeOptions { BatchSize = o.BatchSize, Seed = o.Seed };
            var names = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
            if (o.Spectral is null && !names.Any(new TensorSelection(spectral.Tensors).Matches))
                spectral = spectral with { Tensors = null };   // no attention projections: the whole model, as forget's MLP
            probes.Add(new SpectralEdgeProbe(spectral));
            probes.Add(new WeightSpectraProbe(schedule: o.WeightSpectra));
        }
        probes.AddRange(o.Probes);
        return probes;
    }

    /// <summary>
    /// Records an evaluation at <paramref name="step"/> (<c>eval/*</c> metrics, the probes that run on evaluations, the
    /// diagnosis) and, the first time test accuracy reaches <see cref="AttachOptions.GrokThreshold"/>, the <c>grokked</c> event.
    /// </summary>
    public void Evaluate(long step, EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        ObjectDisposedException.ThrowIf(finished, this);
        lastEvaluation = result;
        lastStep = Math.Max(lastStep, step);
        Monitor.OnEvaluation(step, result);
        if (GrokStep is null && result.TestAccuracy >= options.GrokThreshold)
        {
            GrokStep = step;
            Monitor.Emit(new MonitorEvent(step, "grokked", "session",
                string.Create(CultureInfo.InvariantCulture, $"Test accuracy {result.TestAccuracy:F4} reached {options.GrokThreshold} at step {step}.")));
        }
    }

    /// <summary>
    /// Ends the run as <c>grok</c> ends its own: stores the probe timings, closes the diagnosis at the last step, completes
    /// the store with the summary (status <paramref name="status"/>) and writes <c>report.html</c>. Once only; a session
    /// disposed without it is completed as <c>cancelled</c>.
    /// </summary>
    /// <param name="status">The run's status: completed, diverged (the loop stopped at a non-finite loss or parameter, after
    /// emitting <see cref="Divergence.EventKind"/> with <see cref="Divergence.Describe"/>), cancelled or failed.</param>
    public RunOutcome Finish(string status = "completed")
    {
        ObjectDisposedException.ThrowIf(finished, this);
        if (status is not (RunStatus.Completed or RunStatus.Diverged or RunStatus.Cancelled or RunStatus.Failed))
            throw new ArgumentException($"The status is completed, diverged, cancelled or failed (got '{status}').", nameof(status));
        finished = true;
        long last = Math.Max(lastStep, Monitor.CurrentStep);
        double wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        try
        {
            RunFinish.WriteTimings(Store, Monitor, last);
            Diagnosis.Finish(last);
            var described = Diagnosis.Describe(GrokStep);
            var summary = Summary(status, last, wall);
            if (options.Report) summary["report"] = RunFinish.ReportPath(RunDirectory);
            Store.Complete(status, JsonSerializer.Serialize(summary));
            string? problem = options.Report ? RunFinish.TryWriteReport(RunDirectory) : null;
            return new RunOutcome(RunDirectory, status, described, options.Report && problem is null ? RunFinish.ReportPath(RunDirectory) : null, problem, summary);
        }
        finally
        {
            Monitor.Dispose();
            Store.Dispose();
        }
    }

    Dictionary<string, object?> Summary(string status, long steps, double wall)
    {
        var events = Monitor.Events;
        var final = lastEvaluation is { } l ? new FinalEvaluation(l.TrainAccuracy, l.TestAccuracy, l.TrainLoss, l.TestLoss) : FinalEvaluation.None;
        var summary = DiagnosisBuilder.Summarise(Diagnosis, GrokStep, final, events).Compose(new Dictionary<string, object?>
        {
            ["steps"] = steps,
            ["run_dir"] = RunDirectory,
            ["status"] = status,
            ["task"] = options.Kind,
            ["wall_seconds"] = wall,
            ["steps_per_second"] = wall > 0 ? steps / wall : 0,
            ["monitor_seconds"] = Monitor.TotalSeconds,
            ["monitor_fraction"] = wall > 0 ? Monitor.TotalSeconds / wall : 0,
            ["events"] = events.Count,
            ["probe_failures"] = events.Count(e => e.Kind == "probe_failed"),
            ["stopped_early"] = Loop.Stop is { } stop ? $"{stop.Criterion} at step {stop.Step}: {stop.Reason}" : null,
        });
        summary["notes"] = notes.ToArray();
        return summary;
    }

    /// <summary>Completes an unfinished run as <c>cancelled</c> (with its report). Never throws for the run's own files: a
    /// session disposed while the loop's exception unwinds must not replace that exception; a run whose store cannot be
    /// completed then reads <c>running</c>. Call <see cref="Finish"/> with <c>failed</c> in the loop's handler to record a failure.</summary>
    public void Dispose()
    {
        if (finished) return;
        try { Finish("cancelled"); }
        catch (Exception e) when (e is RunStoreException or IOException or UnauthorizedAccessException or System.Data.Common.DbException or InvalidOperationException)
        {
        }
    }
}

/// <summary>How a session's run ended.</summary>
/// <param name="RunDirectory">The run's folder.</param>
/// <param name="Status">completed, diverged, cancelled or failed.</param>
/// <param name="Diagnosis">The diagnosis in one paragraph (as <c>grok</c> prints it).</param>
/// <param name="ReportPath">The report written (null: none, or it could not be made).</param>
/// <param name="ReportProblem">Why the report could not be made (null: it was, or none was asked for).</param>
/// <param name="Summary">The summary stored with the run (the <c>runs</c> table's JSON).</param>
public sealed record RunOutcome(string RunDirectory, string Status, string Diagnosis, string? ReportPath, string? ReportProblem,
    IReadOnlyDictionary<string, object?> Summary);
