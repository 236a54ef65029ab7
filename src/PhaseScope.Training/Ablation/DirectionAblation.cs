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
/// <item><c>matched-r</c>: at the i-th step of the span, the norm the top-k arm removed at its i-th step, ‖V_kᵀδ‖ of
/// that arm's update, subtracted along a fresh uniformly random direction: the control for "removing that much update
/// at all" (random k-planes of a large space catch only ≈ √(k/P) of an update, so <c>random-r</c> alone would be a weak
/// control). The norm is the top-k arm's, not ‖V_kᵀδ‖ of the matched arm's own update: an arm that keeps its top
/// directions moves along them, its gradient there shrinks, and its own projection would remove less.</item>
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

        // 1. train to t₀, keeping the watched tensors at the window's steps t₀ − W·s, …, t₀.
        var (sigma, directions, watched) = TrainToWindow(task, createModel, trainer, options, checkpoints, selection, log);
        var point = ResumePoint.Latest(checkpoints, out _) ?? throw new InvalidOperationException($"No resume point was written at step {options.At}.");

        // 2. the arms, each from the same point.
        var top = directions.narrow(0, 0, options.TopK);
        var arms = ArmBases(directions, top, watched, options);
        var results = new List<Arm>();
        var topRemoved = new List<double>();   // ‖V_kᵀδ‖ of the top-k arm at each step of the span, replayed by the matched arms
        foreach (var (name, basis, matched) in arms)
        {
            using var model = createModel();
            var parameters = Watched(model, selection);
            ModelWeights.Load(model, Path.Combine(checkpoints, point.ModelFile), "The ablation's own checkpoint of step t₀.");
            using var projection = new ArmProjection(parameters, basis, matched, ReferenceEquals(basis, top), topRemoved, watched,
                new Generator((ulong)(options.Seed + 7919 * results.Count + 1)));
            var t = new Trainer(task, model, trainer with { Steps = options.At + options.Span, CheckpointEvery = 0, StopAfterGrok = null, EvaluateEvery = Math.Max(1, options.Span / 10) })
            {
                CheckpointDirectory = checkpoints, ResumeFrom = point, AfterUpdate = projection.AfterUpdate,
            };
            var run = t.Run();
            var end = run.Evaluations[^1].Result;
            var span = run.Evaluations.Where(e => e.Step > options.At).Select(e => e.Result).ToList();
            results.Add(new Arm(name, end.TrainLoss, end.TestLoss, end.TestAccuracy, projection.UpdateSum > 0 ? projection.RemovedSum / projection.UpdateSum : 0,
                span.Average(e => e.TrainLoss), span.Average(e => e.TestLoss), projection.RemovedSum));
            log?.Invoke(FormattableString.Invariant($"arm {name}: train loss {end.TrainLoss:G4}, test loss {end.TestLoss:G4}, test accuracy {end.TestAccuracy:F3}"));
        }
        foreach (var (_, basis, matched) in arms) if (!matched && basis is not null && !ReferenceEquals(basis, top)) basis.Dispose();
        top.Dispose();
        directions.Dispose();
        return new Result(sigma, watched, results);
    }

    /// <summary>Step 1: trains a fresh model to t₀ (writing the resume point the arms start from) while keeping the watched
    /// tensors at t₀ − W·s, …, t₀; returns the window's singular values, its directions (rows of Vᵀ, [W, P], by decreasing
    /// σ) and P.</summary>
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

    /// <summary>The arms in order: none, top-k, each v_j alone (when k &gt; 1), R random orthonormal k-planes (QR of a
    /// Gaussian, drawn from the options' seed), R matched arms.</summary>
    static List<(string Name, Tensor? Basis, bool Matched)> ArmBases(Tensor directions, Tensor top, long watched, Options options)
    {
        var arms = new List<(string Name, Tensor? Basis, bool Matched)> { ("none", null, false), ($"top-{options.TopK}", top, false) };
        if (options.TopK > 1) for (int j = 0; j < options.TopK; j++) arms.Add(($"only-v{j + 1}", directions.narrow(0, j, 1), false));
        var generator = new Generator((ulong)options.Seed);
        for (int r = 1; r <= options.RandomRepeats; r++)
        {
            using var gaussian = randn([watched, options.TopK], generator: generator);
            var (q, rr) = linalg.qr(gaussian);
            rr.Dispose();
            arms.Add(($"random-{r}", q.t().contiguous().DetachFromDisposeScope(), false));
            q.Dispose();
        }
        for (int r = 1; r <= options.RandomRepeats; r++) arms.Add(($"matched-{r}", top, true));
        return arms;
    }

    /// <summary>One arm's intervention after every optimizer step: δ ← δ − V_A V_Aᵀ δ on the watched tensors' update (or,
    /// matched, the top-k arm's removed norm at this step of the span along a fresh random direction), with the sums of
    /// ‖removed‖ and ‖δ‖ over the span. The top-k arm records its removed norms for the matched arms after it.</summary>
    sealed class ArmProjection : IDisposable
    {
        readonly Parameter[] parameters;
        readonly Tensor? basis;
        readonly bool matched, isTop;
        readonly List<double> topRemoved;
        readonly long watched;
        readonly Generator noise;
        readonly Tensor before;
        int index;

        public ArmProjection(Parameter[] parameters, Tensor? basis, bool matched, bool isTop, List<double> topRemoved, long watched, Generator noise)
        {
            (this.parameters, this.basis, this.matched, this.isTop, this.topRemoved, this.watched, this.noise) = (parameters, basis, matched, isTop, topRemoved, watched, noise);
            before = Flatten(parameters).DetachFromDisposeScope();
        }

        /// <summary>Σ ‖removed part‖ over the span's steps.</summary>
        public double RemovedSum { get; private set; }
        /// <summary>Σ ‖δ‖ over the span's steps (counted only where something is removed).</summary>
        public double UpdateSum { get; private set; }

        public void AfterUpdate(int step)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var now = Flatten(parameters);
            var delta = now.sub(before);
            if (basis is not null)
            {
                Tensor removed;
                if (matched)
                {
                    // the norm the top-k arm removed at this step of its span, in a uniformly random direction
                    double norm = index < topRemoved.Count ? topRemoved[index] : 0;
                    var xi = randn([watched], generator: noise);
                    removed = KeptScalar.Mul(xi, norm / Math.Max(xi.norm().ToDouble(), 1e-30));
                }
                else
                {
                    removed = basis.t().matmul(basis.matmul(delta));
                    if (isTop) topRemoved.Add(removed.norm().ToDouble());
                }
                index++;
                RemovedSum += removed.norm().ToDouble();
                UpdateSum += delta.norm().ToDouble();
                now = KeptScalar.Sum(before, delta.sub(removed));   // the parameters' new value, written below
                Unflatten(parameters, now);
            }
            before.copy_(now);
        }

        public void Dispose() => before.Dispose();
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
