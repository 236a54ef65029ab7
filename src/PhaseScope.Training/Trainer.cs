using System.Diagnostics;
using PhaseScope.Checkpoints;
using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using PhaseScope.Training.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// The trainer used by PhaseScope's experiments: AdamW with decoupled weight decay and gradient
/// clipping, full- or mini-batch, periodic evaluation, and the monitor's two calls around the optimizer
/// step. Same seed on the same machine (and thread count) gives identical metrics: initialisation is
/// seeded with <c>torch.manual_seed</c> by the caller before building the model, batches come from a
/// dedicated generator, so probes that draw random numbers do not change training.
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

    /// <summary>Called after every optimizer step (cheap; for progress bars).</summary>
    public Action<long>? StepCompleted { get; init; }

    /// <summary>Folder for safetensors checkpoints (null: none).</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Runs the loop.</summary>
    public TrainResult Run(CancellationToken cancel = default)
    {
        var parameters = model.parameters().ToList();
        using var optimizer = optim.AdamW(parameters, options.LearningRate, options.Beta1, options.Beta2, 1e-8, options.WeightDecay);
        using var generator = new Generator((ulong)options.Seed);
        var sampler = new BatchSampler(task.TrainCount, options.BatchSize, generator);
        if (Monitor is not null)
        {
            Monitor.EvaluationEvery = options.EvaluateEvery;
            Monitor.LossSource ??= new TrainingLossSource(task, model, options.BatchSize);
        }

        var evaluations = new List<EvaluationPoint>();
        long? grokStep = null;
        double evaluationSeconds = 0;
        var watch = Stopwatch.StartNew();
        int step = 0;
        model.train();
        for (step = 1; step <= options.Steps && !cancel.IsCancellationRequested; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var idx = sampler.Next();
            using var x = idx is null ? task.TrainInputs.alias() : task.TrainInputs.index_select(0, idx);
            using var y = idx is null ? task.TrainTargets.alias() : task.TrainTargets.index_select(0, idx);
            using var logits = model.call(x);
            using var loss = Objective.Loss(logits, y, task.PerPosition);
            loss.backward();
            Monitor?.AfterBackward(step, loss);
            if (options.GradientClip > 0) nn.utils.clip_grad_norm_(parameters, options.GradientClip);
            optimizer.step();
            Monitor?.AfterStep(step);

            if (step % options.EvaluateEvery == 0 || step == options.Steps)
            {
                long evalStart = Stopwatch.GetTimestamp();
                var result = Evaluate();
                evaluationSeconds += Stopwatch.GetElapsedTime(evalStart).TotalSeconds;
                evaluations.Add(new EvaluationPoint(step, result));
                Monitor?.OnEvaluation(step, result);
                if (grokStep is null && result.TestAccuracy >= options.GrokThreshold)
                {
                    grokStep = step;
                    Monitor?.Emit(new MonitorEvent(step, "grokked", "trainer",
                        $"Test accuracy {result.TestAccuracy:F4} reached {options.GrokThreshold} at step {step}."));
                }
                Progress?.Invoke(new TrainProgress(step, options.Steps, loss.item<float>(), result, grokStep));
            }
            if (CheckpointDirectory is not null && options.CheckpointEvery > 0 && step % options.CheckpointEvery == 0)
                SaveCheckpoint(step);
            StepCompleted?.Invoke(step);
        }
        int taken = step - 1;
        if (CheckpointDirectory is not null && (options.CheckpointEvery == 0 || taken % options.CheckpointEvery != 0)) SaveCheckpoint(taken);
        watch.Stop();
        if (evaluations.Count == 0 || evaluations[^1].Step != taken)
            evaluations.Add(new EvaluationPoint(taken, Evaluate()));

        return new TrainResult
        {
            Steps = taken, GrokStep = grokStep, Evaluations = evaluations,
            WallSeconds = watch.Elapsed.TotalSeconds, EvaluationSeconds = evaluationSeconds, MonitorSeconds = Monitor?.TotalSeconds ?? 0,
        };
    }

    /// <summary>Loss and accuracy on the whole train and test sets (no gradients).</summary>
    public EvaluationResult Evaluate()
    {
        model.eval();
        try
        {
            using var _ = no_grad();
            var (trL, trTok, trSeq) = Objective.Measure(model, task.TrainInputs, task.TrainTargets, task.PerPosition);
            var (teL, teTok, teSeq) = Objective.Measure(model, task.TestInputs, task.TestTargets, task.PerPosition);
            if (task.PerPosition && task.SequenceAccuracy)
                return new EvaluationResult(trL, trSeq, teL, teSeq) { TrainTokenAccuracy = trTok, TestTokenAccuracy = teTok };
            return new EvaluationResult(trL, trTok, teL, teTok);
        }
        finally
        {
            model.train();
        }
    }

    void SaveCheckpoint(int step)
    {
        Directory.CreateDirectory(CheckpointDirectory!);
        var path = Path.Combine(CheckpointDirectory!, $"step_{step:D7}.safetensors");
        Safetensors.Save(path, model.state_dict().Select(kv => (kv.Key, kv.Value)),
            new Dictionary<string, string> { ["step"] = step.ToString(), ["format"] = "pt", ["producer"] = "phasescope" });
    }
}
