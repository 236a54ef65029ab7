using PhaseScope.Consolidation;
using System.Diagnostics;
using PhaseScope.Checkpoints;
using PhaseScope.IO;
using PhaseScope.Control;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using PhaseScope.Training.Resume;
using PhaseScope.Training.Optimizers;
using PhaseScope.Training.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// The trainer used by PhaseScope's experiments: AdamW (or Muon, <see cref="TrainerOptions.Optimizer"/>) with decoupled weight decay and gradient
/// clipping, an optional linear warm-up (<see cref="LearningRateWarmup"/>), full- or mini-batch, periodic evaluation, and the monitor's two calls around the optimizer
/// step. Same seed on the same machine (and thread count) gives identical metrics: initialisation is
/// seeded with <c>torch.manual_seed</c> by the caller before building the model, batches come from a
/// dedicated generator, so probes that draw random numbers do not change training. A run that diverges (a non-finite
/// loss or parameter, <see cref="Divergence"/>) stops at that step with <see cref="TrainResult.Diverged"/> set and a
/// <c>diverged</c> event.
/// </summary>
public sealed class Trainer
{
    readonly TaskData task;
    readonly nn.Module<Tensor, Tensor> model;
    readonly TrainerOptions options;

    /// <summary>Creates a trainer; validates the options.</summary>
    public Trainer(TaskData task, nn.Module<Tensor, Tensor> model, TrainerOptions options)
    {
        options.Validate();
        TorchRuntime.Initialize();
        this.task = task;
        this.model = model;
        this.options = options;
    }

    /// <summary>Optional monitor; the trainer calls AfterBackward, AfterStep and OnEvaluation.</summary>
    public PhaseMonitor? Monitor { get; init; }

    /// <summary>Called after each evaluation.</summary>
    public Action<TrainProgress>? Progress { get; init; }

    /// <summary>Called right after each optimizer step, before the monitor sees the update: an intervention (seed 001's
    /// Test 8 projects directions out of the update) may change the parameters here, under <c>no_grad</c>.</summary>
    public Action<int>? AfterUpdate { get; init; }

    /// <summary>Called once with the optimizer, after it is created and (on resume) restored, before the first step: a probe that
    /// reads the optimizer's state (e.g. <see cref="PhaseScope.Monitoring.Probes.StabilityProbe.Connect"/>) is given it here.</summary>
    public Action<ITrainingOptimizer>? OptimizerReady { get; init; }

    /// <summary>Called after every optimizer step (cheap; for progress bars).</summary>
    public Action<long>? StepCompleted { get; init; }

    /// <summary>Seed 003 §11.3: sets the learning rate from p after each consolidation measurement (event <c>lr_changed</c>).</summary>
    public AdaptiveLearningRate? AdaptiveLearningRate { get; init; }

    /// <summary>Seed 003 §11.4: stops after the step at which a criterion fires (event <c>early_stop</c>).</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Controllers ignore readings before this step (0: from the first, as the seed does). Early in training p is
    /// low because nothing has been learned yet; the seed's policies then cut the learning rate tenfold and stop the run
    /// (measured in docs/CONSOLIDATION.md), so a warm-up is usually wanted.</summary>
    public long ControlFromStep { get; init; }

    /// <summary><c>--on-instability</c> and <c>--zclip</c>: acts on instability before each update (null: off).</summary>
    public InstabilityGuard? Instability { get; init; }

    /// <summary>The learning rate in use (changes under <see cref="AdaptiveLearningRate"/>).</summary>
    public double CurrentLearningRate { get; private set; }

    /// <summary>Folder for safetensors checkpoints (null: none).</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a <see cref="ResumePoint"/> (optimizer state, monitor state, manifest) with every checkpoint.</summary>
    public bool WriteResumePoints { get; init; }

    /// <summary>Continue from this point of <see cref="CheckpointDirectory"/> instead of step 0: the model, AdamW's state,
    /// the batch order, the evaluations and the grok step are restored (the monitor's state is the caller's, see
    /// <see cref="PhaseMonitor.LoadState"/>). With the same seed and thread count the run ends exactly as an
    /// uninterrupted one.</summary>
    public ResumePoint? ResumeFrom { get; init; }

    /// <summary>The optimizer <see cref="TrainerOptions.Optimizer"/> names: AdamW over every parameter, or Muon for the
    /// hidden weights with AdamW for the rest.</summary>
    ITrainingOptimizer CreateOptimizer()
    {
        if (options.Optimizer == TrainerOptions.MuonName)
        {
            try
            {
                return new Muon(model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)),
                    options.MuonLearningRate ?? Muon.DefaultLearningRate, options.MuonMomentum ?? Muon.DefaultMomentum,
                    options.LearningRate, options.Beta1, options.Beta2, options.WeightDecay);
            }
            catch (ArgumentException e) { throw new TaskConfigurationException(e.Message); }
        }
        return new KeptAdamW(model.parameters().Where(p => p.requires_grad), options.LearningRate, options.Beta1, options.Beta2, options.AdamEpsilon ?? TrainerOptions.DefaultAdamEpsilon, options.WeightDecay);
    }

    /// <summary>Runs the loop.</summary>
    public TrainResult Run(CancellationToken cancel = default)
    {
        ValidateControl();
        var parameters = model.parameters().ToList();
        var named = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        CurrentLearningRate = options.LearningRate;
        using var optimizer = CreateOptimizer();
        using var generator = new Generator((ulong)options.Seed);
        var sampler = new BatchSampler(task.TrainCount, options.BatchSize, generator);
        var run = new RunProgress();
        int first = ResumeFrom is { } point ? Resume(point, optimizer, sampler, run) : 1;
        var loop = Connect(optimizer);

        var watch = Stopwatch.StartNew();
        int step = 0;
        bool PastGrokMargin(int next) => run.GrokStep is long g && options.StopAfterGrok is int margin && next > g + margin;
        model.train();
        for (step = first; step <= options.Steps && loop.Stop is null && run.Diverged is null && !cancel.IsCancellationRequested && !PastGrokMargin(step); step++)
        {
            using var scope = NewDisposeScope();
            using var loss = TrainStep(step, optimizer, sampler, loop, parameters);
            if (Divergence.Check(step, loss, named) is { } d)
            {
                run.Diverged = d;
                Monitor?.Emit(new MonitorEvent(step, Divergence.EventKind, "trainer", d.Describe()));
                StepCompleted?.Invoke(step);
                continue;   // no evaluation and no checkpoint of the non-finite weights: the loop ends here
            }

            if (step % options.EvaluateEvery == 0 || step == options.Steps) EvaluateAt(step, loss, run);
            if (CheckpointDirectory is not null && options.CheckpointEvery > 0 && step % options.CheckpointEvery == 0)
                SaveCheckpoint(step, optimizer, run.Evaluations, run.GrokStep);
            StepCompleted?.Invoke(step);
        }
        int taken = step - 1;
        if (CheckpointDirectory is not null && run.Diverged is null && taken >= first && (options.CheckpointEvery == 0 || taken % options.CheckpointEvery != 0))
            SaveCheckpoint(taken, optimizer, run.Evaluations, run.GrokStep);
        watch.Stop();
        if (run.Evaluations.Count == 0 || run.Evaluations[^1].Step != taken)
            run.Evaluations.Add(new EvaluationPoint(taken, Evaluate()));

        return new TrainResult
        {
            StoppedEarly = loop.Stop, Diverged = run.Diverged,
            Steps = taken, GrokStep = run.GrokStep, Evaluations = run.Evaluations,
            WallSeconds = watch.Elapsed.TotalSeconds, EvaluationSeconds = run.EvaluationSeconds, MonitorSeconds = Monitor?.TotalSeconds ?? 0,
        };
    }

    /// <summary>What a run gathers as it goes: its evaluations, the grok step, the divergence that ended it, the seconds
    /// spent evaluating.</summary>
    sealed class RunProgress
    {
        public List<EvaluationPoint> Evaluations { get; } = [];
        public long? GrokStep { get; set; }
        public Divergence? Diverged { get; set; }
        public double EvaluationSeconds { get; set; }
    }

    /// <summary>Continues from <paramref name="point"/>: model, optimizer, batch order, evaluations, grok step, learning
    /// rate and the controllers' state; returns the first step to train.</summary>
    int Resume(ResumePoint point, ITrainingOptimizer optimizer, BatchSampler sampler, RunProgress run)
    {
        Restore(point, optimizer, sampler);
        run.Evaluations.AddRange(point.Evaluations);
        run.GrokStep = point.GrokStep;
        CurrentLearningRate = point.LearningRate;
        RestoreControl(point, optimizer);
        return checked((int)point.Step + 1);
    }

    /// <summary>Connects the monitor, the optimizer's readers, the controllers and the instability guard to the loop
    /// protocol, the guard restored on resume.</summary>
    MonitoredLoop Connect(ITrainingOptimizer optimizer)
    {
        if (Monitor is not null)
        {
            Monitor.EvaluationEvery = options.EvaluateEvery;
            Monitor.LossSource ??= new TrainingLossSource(task, model, options.BatchSize, options.Float64Softmax == true);
        }
        OptimizerReady?.Invoke(optimizer);
        IController[] controllers = [.. new IController?[] { AdaptiveLearningRate, EarlyStopping }.OfType<IController>()];
        var loop = new MonitoredLoop(Monitor, CurrentLearningRate, optimizer.SetLearningRate, controllers, ControlFromStep);
        Instability?.Attach(model, optimizer, loop, CheckpointDirectory, options.CheckpointEvery);
        if (ResumeFrom is { } resumed) Instability?.RestoreState(resumed.Control?.Instability);
        return loop;
    }

    /// <summary>One step through the loop protocol: the batch, the backward pass with the gradient probes and controllers,
    /// the instability guard, clipping, warm-up, the update, the intervention and the update probes; returns the step's
    /// loss (the caller disposes it).</summary>
    Tensor TrainStep(int step, ITrainingOptimizer optimizer, BatchSampler sampler, MonitoredLoop loop, List<Parameter> parameters)
    {
        optimizer.ZeroGrad();
        using var idx = sampler.Next();
        var x = idx is null ? task.TrainInputs.alias() : task.TrainInputs.index_select(0, idx);
        var y = idx is null ? task.TrainTargets.alias() : task.TrainTargets.index_select(0, idx);
        if (task.TrailingPaddingTrimmable) (x, y) = Objective.TrimTrailingPadding(x, y, task.SourceLength);
        var loss = loop.Backward(step, x, y, (xs, ys) => Objective.Loss(model.call(xs), ys, task.PerPosition, options.Float64Softmax == true));
        bool update = Instability?.BeforeUpdate(step, loss) ?? true;
        CurrentLearningRate = loop.LearningRate;
        if (options.GradientClip > 0) nn.utils.clip_grad_norm_(parameters, options.GradientClip);
        if (options.WarmupSteps is int warm && step <= warm) optimizer.SetLearningRate(loop.LearningRate * LearningRateWarmup.Factor(step, warm));
        if (update) optimizer.Step();
        AfterUpdate?.Invoke(step);
        loop.AfterStep(step);
        Instability?.AfterUpdate(step);
        return loss;
    }

    /// <summary>The evaluation at <paramref name="step"/>: stored, given to the monitor, the grok step and its event the
    /// first time the test accuracy reaches the threshold, and the progress callback.</summary>
    void EvaluateAt(int step, Tensor loss, RunProgress run)
    {
        long evalStart = Stopwatch.GetTimestamp();
        var result = Evaluate();
        run.EvaluationSeconds += Stopwatch.GetElapsedTime(evalStart).TotalSeconds;
        run.Evaluations.Add(new EvaluationPoint(step, result));
        Monitor?.OnEvaluation(step, result);
        if (run.GrokStep is null && result.TestAccuracy >= options.GrokThreshold)
        {
            run.GrokStep = step;
            Monitor?.Emit(new MonitorEvent(step, "grokked", "trainer",
                FormattableString.Invariant($"Test accuracy {result.TestAccuracy:F4} reached {options.GrokThreshold} at step {step}.")));
        }
        Progress?.Invoke(new TrainProgress(step, options.Steps, loss.item<float>(), result, run.GrokStep));
    }

    void ValidateControl()
    {
        if ((AdaptiveLearningRate is not null || EarlyStopping is not null) && Monitor?.Publishes(typeof(ConsolidationReading)) != true)
            throw new TaskConfigurationException("Adaptive learning rate and early stopping act on C_α and p: they need the consolidation probe (--consolidation) in the monitor.");
        if (Monitor?.MicroBatches is int k)
        {
            long batch = Math.Min(options.BatchSize, task.TrainCount);
            if (batch % k != 0)
                throw new TaskConfigurationException($"The consolidation probe splits each batch into {k} micro-batches, but the batch has {batch} examples; choose a batch size divisible by {k} or another --consolidation-samples.");
        }
        if (AdaptiveLearningRate is { } a && a.BaseLearningRate != options.LearningRate)
            throw new TaskConfigurationException($"The adaptive learning rate's base ({a.BaseLearningRate}) differs from --lr ({options.LearningRate}).");
    }

    /// <summary>Rows i·⌊n/k⌋ for i &lt; k when the task evaluates k = <see cref="TaskData.EvaluationRows"/> &lt; n rows; else null (all).</summary>
    Tensor? EvaluationRows(long n)
    {
        if (task.EvaluationRows is not int k || k >= n) return null;
        var rows = new long[k];
        long stride = n / k;
        for (int i = 0; i < k; i++) rows[i] = i * stride;
        return tensor(rows, device: task.TrainInputs.device);
    }

    /// <summary>Loss and accuracy on the train and test sets (every row, or <see cref="TaskData.EvaluationRows"/> of each; no gradients).</summary>
    public EvaluationResult Evaluate()
    {
        model.eval();
        try
        {
            using var _ = no_grad();
            int? trim = task.TrailingPaddingTrimmable ? task.SourceLength : null;
            using var trainRows = EvaluationRows(task.TrainCount);
            using var testRows = EvaluationRows(task.TestCount);
            using var trX = trainRows is null ? task.TrainInputs.alias() : task.TrainInputs.index_select(0, trainRows);
            using var trY = trainRows is null ? task.TrainTargets.alias() : task.TrainTargets.index_select(0, trainRows);
            using var teX = testRows is null ? task.TestInputs.alias() : task.TestInputs.index_select(0, testRows);
            using var teY = testRows is null ? task.TestTargets.alias() : task.TestTargets.index_select(0, testRows);
            var (trL, trTok, trSeq) = Objective.Measure(model, trX, trY, task.PerPosition, 1024, trim);
            var (teL, teTok, teSeq) = Objective.Measure(model, teX, teY, task.PerPosition, 1024, trim);
            if (task.PerPosition && task.SequenceAccuracy)
                return new EvaluationResult(trL, trSeq, teL, teSeq) { TrainTokenAccuracy = trTok, TestTokenAccuracy = teTok };
            return new EvaluationResult(trL, trTok, teL, teTok);
        }
        finally
        {
            model.train();
        }
    }

    void SaveCheckpoint(int step, ITrainingOptimizer optimizer, IReadOnlyList<EvaluationPoint> evaluations, long? grokStep)
    {
        var dir = CheckpointDirectory!;
        Directory.CreateDirectory(dir);
        var modelFile = ResumePoint.ModelFileName(step);
        Safetensors.Save(Path.Combine(dir, modelFile), model.state_dict().Select(kv => (kv.Key, kv.Value)),
            new Dictionary<string, string> { ["step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture), ["format"] = "pt", ["producer"] = "phasescope" });
        if (!WriteResumePoints) return;
        // The store must hold every record up to this step before the point exists: a resumed run deletes what lies after it.
        Monitor?.FlushSinks();
        var files = new List<string> { modelFile };
        var optimizerFile = Path.ChangeExtension(modelFile, ".optimizer");
        AtomicFile.Write(Path.Combine(dir, optimizerFile), s =>
        {
            using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            optimizer.SaveState(w);
        });
        files.Add(optimizerFile);
        if (Monitor is not null)
        {
            var monitorFile = Path.ChangeExtension(modelFile, ".monitor.safetensors");
            Monitor.SaveState(Path.Combine(dir, monitorFile), new Dictionary<string, string> { ["step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            files.Add(monitorFile);
        }
        var window = EarlyStopping?.Recent;
        ControlState? control = AdaptiveLearningRate is null && window is null && Instability is null ? null
            : new ControlState(AdaptiveLearningRate?.BandIndex, window?.Select(x => x.P).ToList(), window?.Select(x => x.C).ToList()) { Instability = Instability?.SaveState() };
        ResumePoint.Write(dir, step, grokStep, CurrentLearningRate, evaluations, files, control);
    }

    /// <summary>The controllers' state of <paramref name="point"/>, and the learning rate they had set.</summary>
    void RestoreControl(ResumePoint point, ITrainingOptimizer optimizer)
    {
        if (AdaptiveLearningRate is null && EarlyStopping is null) return;
        if (point.Control is not { } c)
            throw new ResumeException($"The resume point of step {point.Step} holds no controller state (written before it was saved); start the run again.");
        try
        {
            if (AdaptiveLearningRate is { } a)
            {
                a.Restore(c.AdaptiveBand);
                if (a.LearningRate != point.LearningRate)
                    throw new ResumeException($"The resume point's learning rate {point.LearningRate} is not its band's ({a.LearningRate}): the point does not belong to these settings.");
            }
            if (EarlyStopping is { } e)
            {
                var p = c.EarlyStopP ?? [];
                var cAlpha = c.EarlyStopC ?? [];
                if (p.Count != cAlpha.Count) throw new ResumeException($"The resume point's early-stopping window is malformed ({p.Count} p, {cAlpha.Count} C_α).");
                e.Restore(p.Zip(cAlpha));
            }
        }
        catch (ArgumentException ex)
        {
            throw new ResumeException($"The resume point's controller state does not fit these settings ({ex.Message}).", ex);
        }
        optimizer.SetLearningRate(point.LearningRate);
    }

    /// <summary>Loads the model and optimizer state of <paramref name="point"/> and replays the batch order to it.</summary>
    void Restore(ResumePoint point, ITrainingOptimizer optimizer, BatchSampler sampler)
    {
        if (CheckpointDirectory is null) throw new ResumeException("Resuming needs the run's checkpoint folder.");
        // A point at the last step (killed after the final checkpoint) restores and trains nothing: the run is then finished.
        if (point.Step > options.Steps)
            throw new ResumeException($"The resume point is at step {point.Step}, beyond the run's {options.Steps} steps.");
        var dir = CheckpointDirectory;
        ModelWeights.Load(model, Path.Combine(dir, point.ModelFile), "Resume with the settings the run was started with.");
        try
        {
            using var s = File.OpenRead(Path.Combine(dir, point.OptimizerFile));
            optimizer.LoadState(s);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ArgumentException or InvalidOperationException or InvalidDataException)
        {
            throw new ResumeException($"{point.OptimizerFile}: the optimizer state cannot be loaded ({e.Message}).", e);
        }
        for (long i = 0; i < point.Step; i++) sampler.Next()?.Dispose();
    }
}
