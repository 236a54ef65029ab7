using PhaseScope.Runtime;
using PhaseScope.SpectralEdge;
using PhaseScope.Training.Resume;
using PhaseScope.Training.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Training.Ablation;

/// <summary>
/// Seed 001's Test 8 as a causal intervention (§28): does removing the window's top signal directions from the
/// parameter updates slow learning more than removing random directions? One run is trained to step t₀ while the last
/// W updates of the watched tensors (θ_t − θ_{t−s}, every s steps) are kept; X = U Σ Vᵀ of that window gives the signal
/// directions v₁ … v_k (rows of Vᵀ, unit vectors in the watched tensors' space). From the same state (model, optimizer,
/// batch order: a resume point at t₀) training then continues for a span of steps in several arms, each applying, after
/// every optimizer step, δ ← δ − V_A V_Aᵀ δ to that step's update δ of the watched tensors:
/// <list type="bullet">
/// <item><c>none</c>: nothing removed (the reference);</item>
/// <item><c>top-k</c>: A = the top k window directions; <c>only-vj</c>: v_j alone, for each j ≤ k;</item>
/// <item><c>random-r</c>: A = k orthonormal Gaussian directions in the same tensors (r = 1 … R, different draws): the
/// control for "removing any k directions" (unit directions, like the v_j);</item>
/// <item><c>matched-r</c>: k random directions in the window's span, removing at the i-th step of the span exactly the
/// norm the top-k arm removed at its i-th step (<see cref="NormMatchedRemoval"/>): the control for "removing that much
/// update at all" (random k-planes of the whole space catch only ≈ √(k/P) of an update, so <c>random-r</c> alone would be
/// a weak control). The norm is the top-k arm's, not a projection of the matched arm's own update: an arm that keeps its
/// top directions moves along them, its gradient there shrinks, and its own projection would remove less.</item>
/// </list>
/// The response of an arm is its test loss averaged over the span's evaluations minus the reference's (and the same at
/// t₀ + span alone, with the test accuracy there). The seed
/// itself compares a first-order loss decomposition with per-direction loss changes; this is the direct experiment
/// behind it. The seed's directions are those of the trajectory Gram matrix, so are these.
/// </summary>
public static class DirectionAblation
{
    /// <summary>Experiment settings.</summary>
    /// <param name="At">t₀: the step at which the window is read and the arms start.</param>
    /// <param name="Span">Steps each arm trains.</param>
    /// <param name="TopK">k.</param>
    /// <param name="RandomRepeats">R, random arms.</param>
    /// <param name="Window">W, updates in the window.</param>
    /// <param name="Stride">s, steps per update.</param>
    /// <param name="TensorPattern">Watched tensors (regex over parameter names; null: the attention projections).</param>
    /// <param name="Seed">Seed of the random directions.</param>
    public sealed record Options(int At, int Span, int TopK = 3, int RandomRepeats = 3, int Window = 10, int Stride = 10,
        string? TensorPattern = TensorSelection.AttentionPattern, long Seed = 0)
    {
        /// <summary>Throws <see cref="TaskConfigurationException"/> naming the bad setting.</summary>
        public void Validate()
        {
            if (Window < 2) throw new TaskConfigurationException($"The ablation window needs at least 2 updates (got {Window}).");
            if (Stride < 1) throw new TaskConfigurationException($"The ablation stride must be at least 1 step (got {Stride}).");
            if (TopK < 1 || TopK > Window) throw new TaskConfigurationException($"--k must lie in 1 … the window's {Window} updates (got {TopK}).");
            if (RandomRepeats < 0 || RandomRepeats > 100) throw new TaskConfigurationException($"--random must lie in 0 … 100 arms (got {RandomRepeats}).");
            if (At < (long)Window * Stride) throw new TaskConfigurationException($"--at {At} is too early: the window needs W·s = {Window * Stride} steps of updates before it.");
            if (Span < 1) throw new TaskConfigurationException($"--span must be at least 1 step (got {Span}).");
            if ((long)At + Span > int.MaxValue) throw new TaskConfigurationException($"--at {At} + --span {Span} must be at most 2,147,483,647 steps (the trainer's step count).");
        }
    }

    /// <summary>One arm's end state.</summary>
    /// <param name="Name">none, top-k, only-vj, random-r, matched-r.</param>
    /// <param name="TrainLoss">Train loss at t₀ + span.</param>
    /// <param name="TestLoss">Test loss at t₀ + span.</param>
    /// <param name="TestAccuracy">Test accuracy at t₀ + span.</param>
    /// <param name="RemovedFraction">‖removed part‖ ÷ ‖update‖ of the watched tensors, summed over the span.</param>
    /// <param name="RemovedNorm">Σ ‖removed part‖ over the span's steps (equal for <c>top-k</c> and every <c>matched-r</c>).</param>
    /// <param name="MeanTrainLoss">Train loss averaged over the span's evaluations (every span/10 steps).</param>
    /// <param name="MeanTestLoss">Test loss averaged over the span's evaluations: the response measure, robust to a loss
    /// spike that happens to fall on the last step of one arm and not another.</param>
    public sealed record Arm(string Name, double TrainLoss, double TestLoss, double TestAccuracy, double RemovedFraction, double MeanTrainLoss, double MeanTestLoss,
        double RemovedNorm = 0);

    /// <summary>The result: the window's singular values and every arm.</summary>
    public sealed record Result(double[] Sigma, long WatchedParameters, IReadOnlyList<Arm> Arms);

    /// <summary>Runs the experiment in <paramref name="workDirectory"/> (checkpoints of t₀ and of each arm's end).</summary>
    /// <param name="task">The data.</param>
    /// <param name="createModel">Builds a fresh model with the run's initialisation (seed it inside).</param>
    /// <param name="trainer">Training settings (Steps is ignored: t₀ + span).</param>
    /// <param name="options">Experiment settings.</param>
    /// <param name="workDirectory">Folder for the checkpoints.</param>
    /// <param name="log">Progress lines.</param>
    public static Result Run(TaskData task, Func<nn.Module<Tensor, Tensor>> createModel, TrainerOptions trainer, Options options,
        string workDirectory, Action<string>? log = null)
    {
        options.Validate();
        var checkpoints = Path.Combine(workDirectory, "checkpoints");
        Directory.CreateDirectory(checkpoints);
        var selection = new TensorSelection(options.TensorPattern);
        var (sigma, directions, watched) = TrainToWindow(task, createModel, trainer, options, checkpoints, selection, log);
        var point = ResumePoint.Latest(checkpoints, out _) ?? throw new InvalidOperationException($"No resume point was written at step {options.At}.");
        var arms = PlanArms(directions, options, watched);
        var results = new List<Arm>();
        var topRemoved = new List<double>();   // ‖V_kᵀδ‖ of the top-k arm at each step of the span, replayed by the matched arms
        var context = new ArmContext(task, createModel, trainer, options, checkpoints, point, selection);
        foreach (var arm in arms)
        {
            var result = RunArm(context, arm, topRemoved);
            results.Add(result);
            log?.Invoke(FormattableString.Invariant($"arm {result.Name}: train loss {result.TrainLoss:G4}, test loss {result.TestLoss:G4}, test accuracy {result.TestAccuracy:F3}"));
        }
        foreach (var arm in arms) arm.Basis?.Dispose();
        directions.Dispose();
        return new Result(sigma, watched, results);
    }

    /// <summary>What every arm shares: the data, the model, the settings and the resume point at t₀.</summary>
    sealed record ArmContext(TaskData Task, Func<nn.Module<Tensor, Tensor>> CreateModel, TrainerOptions Trainer, Options Options,
        string Checkpoints, ResumePoint Point, TensorSelection Selection);

    /// <summary>One arm to run: its name, the plane projected out (none for the reference), whether it is a matched arm
    /// (removing the top-k arm's norm), and whether it is the top-k arm (whose norms the matched arms replay).</summary>
    sealed record ArmPlan(string Name, Tensor? Basis, bool Matched = false, bool Top = false);

    /// <summary>Step 1: trains to t₀, keeping the watched tensors at the window's steps t₀ − W·s, …, t₀, and returns the
    /// window's singular values, its directions (rows of Vᵀ, by decreasing σ, [W, P]) and the watched count P.</summary>
    static (double[] Sigma, Tensor Directions, long Watched) TrainToWindow(TaskData task, Func<nn.Module<Tensor, Tensor>> createModel,
        TrainerOptions trainer, Options options, string checkpoints, TensorSelection selection, Action<string>? log)
    {
        using var model = createModel();
        var parameters = Watched(model, selection);
        long watched = parameters.Sum(p => p.numel());
        var snapshots = new List<Tensor>();
        long first = options.At - (long)options.Window * options.Stride;
        var t = new Trainer(task, model, trainer with { Steps = options.At, CheckpointEvery = options.At, StopAfterGrok = null })
        {
            CheckpointDirectory = checkpoints, WriteResumePoints = true,
            AfterUpdate = step =>
            {
                if (step >= first && (step - first) % options.Stride == 0) snapshots.Add(Flatten(parameters).DetachFromDisposeScope());
            },
        };
        if (first == 0) snapshots.Add(Flatten(parameters));
        log?.Invoke(FormattableString.Invariant($"training to step {options.At} ({watched:N0} watched parameters)"));
        t.Run();
        using var stacked = stack(snapshots);
        using var rows = stacked.narrow(0, 1, options.Window).sub(stacked.narrow(0, 0, options.Window));
        using var rows64 = rows.to(float64);
        var (u, s, vh) = linalg.svd(rows64, fullMatrices: false);
        var sigma = s.data<double>().ToArray();
        var directions = vh.to(float32).DetachFromDisposeScope();
        u.Dispose();
        s.Dispose();
        vh.Dispose();
        foreach (var snapshot in snapshots) snapshot.Dispose();
        return (sigma, directions, watched);
    }

    /// <summary>Step 2's arms in order: none, top-k, each v_j alone, the random planes of the whole space (generator
    /// seeded with the options' seed), then the matched planes in the window's span (seed + 1).</summary>
    static List<ArmPlan> PlanArms(Tensor directions, Options options, long watched)
    {
        var arms = new List<ArmPlan> { new("none", null), new($"top-{options.TopK}", directions.narrow(0, 0, options.TopK).clone(), Top: true) };
        if (options.TopK > 1) for (int j = 0; j < options.TopK; j++) arms.Add(new($"only-v{j + 1}", directions.narrow(0, j, 1).clone()));
        var generator = new Generator((ulong)options.Seed);
        for (int r = 1; r <= options.RandomRepeats; r++)
        {
            using var gaussian = randn([watched, options.TopK], generator: generator);
            var (q, rr) = linalg.qr(gaussian);
            rr.Dispose();
            arms.Add(new($"random-{r}", q.t().contiguous().DetachFromDisposeScope()));
            q.Dispose();
        }
        var inSpan = new Generator((ulong)options.Seed + 1);
        for (int r = 1; r <= options.RandomRepeats; r++)
            arms.Add(new($"matched-{r}", NormMatchedRemoval.RandomPlaneInSpan(directions, options.TopK, inSpan).DetachFromDisposeScope(), Matched: true));
        return arms;
    }

    /// <summary>Step 2, one arm: from the resume point at t₀, trains the span, after every optimizer step removing from
    /// the watched update δ its part along the arm's plane (for a matched arm, the top-k arm's norm of that step).</summary>
    static Arm RunArm(ArmContext c, ArmPlan arm, List<double> topRemoved)
    {
        int index = 0;
        using var model = c.CreateModel();
        var parameters = Watched(model, c.Selection);
        ModelWeights.Load(model, Path.Combine(c.Checkpoints, c.Point.ModelFile), "The ablation's own checkpoint of step t₀.");
        Tensor before = Flatten(parameters).DetachFromDisposeScope();
        double removedSum = 0, updateSum = 0;
        var t = new Trainer(c.Task, model, c.Trainer with
        {
            Steps = c.Options.At + c.Options.Span, CheckpointEvery = 0, StopAfterGrok = null, EvaluateEvery = Math.Max(1, c.Options.Span / 10),
        })
        {
            CheckpointDirectory = c.Checkpoints, ResumeFrom = c.Point,
            AfterUpdate = step =>
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var now = Flatten(parameters);
                var delta = now.sub(before);
                if (arm.Basis is not null)
                {
                    var removed = arm.Matched
                        ? NormMatchedRemoval.Removed(arm.Basis, delta, index < topRemoved.Count ? topRemoved[index] : 0)
                        : arm.Basis.t().matmul(arm.Basis.matmul(delta));
                    double norm = removed.norm().ToDouble();
                    if (arm.Top) topRemoved.Add(norm);
                    index++;
                    removedSum += norm;
                    updateSum += delta.norm().ToDouble();
                    now = KeptScalar.Sum(before, delta.sub(removed));   // the parameters' new value, written below
                    Unflatten(parameters, now);
                }
                before.copy_(now);
            },
        };
        var run = t.Run();
        before.Dispose();
        var end = run.Evaluations[^1].Result;
        var span = run.Evaluations.Where(e => e.Step > c.Options.At).Select(e => e.Result).ToList();
        return new Arm(arm.Name, end.TrainLoss, end.TestLoss, end.TestAccuracy, updateSum > 0 ? removedSum / updateSum : 0,
            span.Average(e => e.TrainLoss), span.Average(e => e.TestLoss), removedSum);
    }

    static Parameter[] Watched(nn.Module<Tensor, Tensor> model, TensorSelection selection)
    {
        var named = model.named_parameters().ToArray();
        var chosen = selection.Select(named.Select(p => p.name).ToArray());
        if (chosen.Length == 0) throw new TaskConfigurationException($"No parameter matches the watched-tensor pattern '{selection.Pattern}'.");
        return chosen.Select(i => named[i].parameter).ToArray();
    }

    /// <summary>The watched tensors as one new vector. A copy, never a view: TorchSharp's <c>cat</c> of a single tensor
    /// returns an alias, and a snapshot that aliased the live parameter would move with it (every update would read as 0).</summary>
    static Tensor Flatten(IReadOnlyList<Parameter> parameters)
    {
        using var _ = no_grad();
        return parameters.Count == 1 ? parameters[0].detach().reshape(-1).clone() : cat(parameters.Select(p => p.detach().reshape(-1)).ToArray());
    }

    static void Unflatten(IReadOnlyList<Parameter> parameters, Tensor flat)
    {
        long offset = 0;
        foreach (var p in parameters)
        {
            long n = p.numel();
            using var slice = flat.narrow(0, offset, n).reshape(p.shape);
            p.copy_(slice);
            offset += n;
        }
    }
}
