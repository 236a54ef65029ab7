using System.Globalization;
using PhaseScope.Consolidation;
using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Text.Json;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Cli.Commands.TrainingRun;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Outputs.TensorBoard;
using PhaseScope.Runtime;
using PhaseScope.SpectralEdge;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Resume;
using PhaseScope.Training.Tasks;
using Spectre.Console;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// <c>phasescope grok</c>: trains a reference grokking task with the monitor attached, stores the run
/// (metrics, events, checkpoints) and prints a summary (or one JSON object with <c>--json</c>).
/// </summary>
public static class GrokCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var o = new GrokOptions();
        var cmd = new Command("grok", "Train a grokking task with the monitor and store the run.");
        foreach (var option in o.All) cmd.Options.Add(option);
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r =>
        {
            if (r.GetValue(o.Resume) is { } resumeDir) return ResumeAsked(cmd, o, check, r, resumeDir);
            if (r.GetResult(o.AllowChange) is { Implicit: false }) throw new UsageException("--allow-settings-change only applies with --resume.");
            return Run(o.Bind(r), r.GetValue(o.Json), r.GetValue(check));
        });
        return cmd;
    }

    /// <summary><c>grok --resume RUN_DIR</c> as parsed: refused when another setting is given (only --json, --check,
    /// --allow-settings-change and --threads may be added), else <see cref="Resume"/>.</summary>
    static int ResumeAsked(Command cmd, GrokOptions o, Option<bool> check, ParseResult r, string resumeDir)
    {
        var given = cmd.Options.Where(x => x != o.Resume && x != o.Json && x != o.AllowChange && x != o.Threads && x != check && r.GetResult(x) is { Implicit: false }).Select(x => x.Name).ToList();
        if (given.Count > 0)
            throw new UsageException($"--resume continues a run with the settings it was started with; {string.Join(", ", given)} cannot be changed. Leave them out (only --json, --check, --allow-settings-change and --threads may be added).");
        var allowed = (r.GetValue(o.AllowChange) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return Resume(resumeDir, r.GetValue(o.Json), allowed, r.GetValue(o.Threads), r.GetValue(check));
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
        using var model = Tasks.GrokTasks.Of(s).Model(s, data).CreateModel();
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
        using var model = Tasks.GrokTasks.Of(s).Model(s, data).CreateModel();
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

    /// <summary>The run's data, made by its task.</summary>
    internal static TaskData CreateData(GrokSettings s) => Tasks.GrokTasks.Of(s).CreateData(s);

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
                    Instability = s.Instability?.Guard(s.ProbeEvery, s.StabilityEvery is not null && s.StabilityPreconditionedEvery > 0, s.Trainer.LearningRate),
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
