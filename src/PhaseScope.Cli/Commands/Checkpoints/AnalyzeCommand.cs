using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using PhaseScope.Checkpoints;
using PhaseScope.Cli.Options;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Cli.Commands.TrainingRun;
using PhaseScope.Reporting.Store;
using PhaseScope.Training;
using Spectre.Console;

namespace PhaseScope.Cli.Commands.Checkpoints;

/// <summary>
/// <c>phasescope analyze DIR [--out runs] [--name NAME] [--window 10] [--tensors REGEX] [--grads DIR] [--metrics FILE]
/// [--follow [--follow-timeout SECONDS]]</c>: a directory of checkpoints written by any framework (safetensors, PyTorch
/// .pt/.pth/.ckpt, <see cref="CheckpointFile"/>) becomes a stored run — the same <see cref="RunStore"/>, report and diagnosis
/// as <c>grok</c>'s — with every family the files allow (<see cref="CheckpointAnalyzer"/>): cheap norms, the spectral edge of
/// consecutive updates, moments of the parameters, and with <c>--grads</c> the coupling (one gradient per step) or
/// consolidation (samples <c>[n, ...]</c>). Each checkpoint's training step comes from its file name or metadata
/// (<see cref="CheckpointStep"/>); a name without a step, or two files at one step, is refused before anything is written.
/// <c>--metrics</c> reads a CSV or JSON Lines training log (<see cref="TrainingLog"/>) into the run's loss and accuracy
/// curves, which the diagnosis reads.
/// <para><c>--follow</c> keeps watching DIR (<see cref="CheckpointWatcher"/>: complete files only) and appends each new
/// checkpoint to the run, re-reading the metrics log, until Ctrl+C, SIGTERM or <c>--follow-timeout</c> seconds without a new
/// checkpoint; the run is then completed (status <c>completed</c>, exit 0) and the report written. A checkpoint that arrives
/// with a step at or before the last one analysed, without a step in its name, or with other tensors, is left out with a
/// note (the spectral window holds consecutive updates only). Its gradient file is used if it is complete by then.</para>
/// <para>An existing run of the same <c>--name</c> is refused (exit 2): analysing again is cheap, so choose another name or
/// remove the run; nothing continues a stored run.</para>
/// </summary>
public static class AnalyzeCommand
{
    /// <summary>Seconds between polls of a followed directory.</summary>
    const double PollSeconds = 0.5;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var dir = new Argument<string>("DIR") { Description = "A directory of checkpoints (.safetensors, .pt, .pth, .ckpt, .bin) whose names hold the training step (step_1000.pt, epoch=3-step=1200.ckpt, model_00001000.pth)." };
        var output = new Option<string>("--out") { Description = "Directory for runs.", DefaultValueFactory = _ => "runs" };
        var name = new Option<string?>("--name") { Description = "Run name (default: DIR's name)." };
        var window = new NumericOption<int>("--window", "W, updates per spectral window (seed 001).", 10, NumberRange<int>.AtLeast(2).CappedAt(10_000, "the updates kept in memory, one copy of the selected tensors each"));
        var tensors = new Option<string?>("--tensors") { Description = "Tensors to analyse: a regular expression, 'attention' or 'all' (default: every floating-point tensor but normalisation buffers)." };
        var grads = new Option<string?>("--grads") { Description = "A directory of gradient files named by step like the checkpoints: one gradient per tensor (coupling, seed 000) or samples [n, ...] (also C_α, seed 003)." };
        var metrics = new Option<string?>("--metrics") { Description = "A training log, CSV or JSON Lines, with a step column and loss/accuracy (val_loss, val_acc, …) columns." };
        var follow = new Option<bool>("--follow") { Description = "Keep watching DIR and add new checkpoints until Ctrl+C, SIGTERM or --follow-timeout." };
        var followTimeout = new OptionalNumericOption<double>("--follow-timeout", "With --follow: stop after this many seconds without a new checkpoint.", NumberRange<double>.Above(0));
        var noReport = new Option<bool>("--no-report") { Description = "Do not write RUN_DIR/report.html." };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object on stdout, nothing else." };
        var cmd = new Command("analyze", "Turn a directory of checkpoints (any framework) into a stored run with report and diagnosis; --follow watches it while training writes.")
        {
            dir, output, name, window, tensors, grads, metrics, follow, followTimeout, noReport, json,
        };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(check) ? CheckMode.Print(CheckMode.Values(r)) : CheckpointInput.Guard(() => Run(new Settings(r.GetValue(dir)!, r.GetValue(output)!, r.GetValue(name), r.GetValue(window), r.GetValue(tensors),
            r.GetValue(grads), r.GetValue(metrics), r.GetValue(follow), r.GetValue(followTimeout), !r.GetValue(noReport), r.GetValue(json)))));
        return cmd;
    }

    sealed record Settings(string Dir, string Out, string? Name, int Window, string? Tensors, string? Grads, string? Metrics, bool Follow, double? FollowTimeout,
        bool Report, bool Json);

    sealed record Checkpoint(long Step, string Path, string StepSource);

    static int Run(Settings s)
    {
        var (name, runDir) = CheckArguments(s);
        var log = ReadLog(s.Metrics);
        var notes = new List<string>();
        var options = new CheckpointAnalysisOptions { Window = s.Window, Tensors = s.Tensors };
        var checkpoints = ListCheckpoints(s, options, notes);
        var gradients = s.Grads is null ? new Dictionary<long, string>() : GradientFiles(s.Grads, notes);

        Runtime.TorchRuntime.Initialize();
        var config = new Dictionary<string, string>
        {
            ["source"] = Path.GetFullPath(s.Dir), ["window"] = s.Window.ToString(CultureInfo.InvariantCulture), ["tensors"] = s.Tensors ?? "all",
            ["grads"] = s.Grads is null ? "" : Path.GetFullPath(s.Grads), ["metrics"] = s.Metrics is null ? "" : Path.GetFullPath(s.Metrics), ["follow"] = s.Follow ? "true" : "false",
        };
        using var store = RunStore.Create(runDir, name, "analyze", config);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        try
        {
            var readings = new LatestReadings();
            var diagnosis = new DiagnosisSink(DiagnosisBuilder.Create(), e => { store.Write(e); readings.Write(e); });
            readings.Diagnosis = diagnosis.Diagnosis;
            IMonitorSink[] sinks = [store, readings, diagnosis];
            using var analyzer = new CheckpointAnalyzer(options, sinks);
            var feed = new LogFeed(log, sinks);
            var started = System.Diagnostics.Stopwatch.StartNew();
            AnalyseAll(s, runDir, checkpoints, gradients, analyzer, feed, notes, readings, cancel);
            return Conclude(s, runDir, store, checkpoints, log, notes, analyzer, feed, diagnosis, started, cancel);
        }
        catch (Exception e) when (e is not UsageException)
        {
            return RunEpilogue.Failed(store, runDir, e);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Checks the arguments before anything is read or written; returns the run's name and directory.</summary>
    static (string Name, string RunDir) CheckArguments(Settings s)
    {
        if (!Directory.Exists(s.Dir)) throw new UsageException(File.Exists(s.Dir) ? $"DIR {s.Dir} is a file; pass the directory that holds the checkpoints." : $"DIR {s.Dir} does not exist; pass a directory of checkpoints.");
        if (s.Window < 2) throw new UsageException($"--window must be at least 2 (got {s.Window}); one gap ratio needs two singular values.");
        if (s.FollowTimeout is double t && !(t > 0 && double.IsFinite(t))) throw new UsageException($"--follow-timeout must be a positive number of seconds (got {t.ToString(CultureInfo.InvariantCulture)}).");
        if (s.FollowTimeout is not null && !s.Follow) throw new UsageException("--follow-timeout needs --follow.");
        if (s.Grads is not null && !Directory.Exists(s.Grads)) throw new UsageException($"--grads {s.Grads} is not a directory; pass the directory of gradient files.");
        try { _ = new SpectralEdge.TensorSelection(s.Tensors); }
        catch (ArgumentException e) { throw new UsageException($"--tensors: {e.Message}"); }
        RunName.Check(s.Name);
        var name = s.Name ?? Path.GetFileName(Path.GetFullPath(s.Dir).TrimEnd(Path.DirectorySeparatorChar));
        RunName.Check(name);
        OutputGuard.Directory(s.Out, "--out");
        var runDir = Path.Combine(s.Out, name);
        if (Directory.Exists(runDir) && Directory.EnumerateFileSystemEntries(runDir).Any())
            throw new UsageException($"--name {name}: the run {runDir} exists already; analyze does not continue a stored run. Choose another --name, or remove {runDir} and analyse again.");
        if (Path.GetFullPath(runDir).StartsWith(Path.GetFullPath(s.Dir).TrimEnd('/') + "/", StringComparison.Ordinal) || Path.GetFullPath(runDir) == Path.GetFullPath(s.Dir).TrimEnd('/'))
            throw new UsageException($"--out {s.Out}: the run {runDir} would lie inside DIR {s.Dir}; write runs elsewhere.");
        return (name, runDir);
    }

    /// <summary>Every checkpoint in DIR, checked (name, step, index, tensors) before the run exists, in step order.</summary>
    static List<Checkpoint> ListCheckpoints(Settings s, CheckpointAnalysisOptions options, List<string> notes)
    {
        var listed = CheckpointDirectory.List(s.Dir, out var skipped);
        foreach (var x in skipped) notes.Add($"{x.Name} left out: {x.Reason}");
        var checkpoints = new List<Checkpoint>();
        var problems = new List<string>();
        foreach (var path in listed)
        {
            CheckpointIndex index;
            try { index = CheckpointFile.ReadIndex(path); }
            catch (CheckpointFormatException e)
            {
                if (s.Follow) { notes.Add($"{Path.GetFileName(path)} not read yet: {e.Message}"); continue; }   // still being written, perhaps
                throw new UsageException(e.Message);
            }
            if (CheckpointStep.Of(path, index.Metadata, out var problem, out var source) is long step) checkpoints.Add(new Checkpoint(step, path, source));
            else problems.Add(problem!);
        }
        if (problems.Count > 0)
            throw new UsageException($"DIR {s.Dir}: no training step in {problems.Count} checkpoint name{(problems.Count == 1 ? "" : "s")}: {string.Join("; ", problems.Take(3))}{(problems.Count > 3 ? "; …" : "")}. Name each file by its step (step_1000.pt, ckpt-1000.safetensors, epoch=3-step=1200.ckpt) or store 'step' in its metadata.");
        if (checkpoints.GroupBy(c => c.Step).FirstOrDefault(g => g.Count() > 1) is { } dup)
            throw new UsageException($"DIR {s.Dir}: {string.Join(" and ", dup.Select(c => Path.GetFileName(c.Path)))} are both at training step {dup.Key}; keep one checkpoint per step.");
        checkpoints = checkpoints.OrderBy(c => c.Step).ToList();
        if (checkpoints.Count == 0 && !s.Follow)
            throw new UsageException($"DIR {s.Dir} holds no checkpoints (.safetensors, .pt, .pth, .ckpt, .bin){(skipped.Count > 0 ? $"; left out: {string.Join(", ", skipped.Take(3).Select(x => $"{x.Name} ({x.Reason})"))}" : "")}. Use --follow to wait for a training to write them.");
        if (checkpoints.Count > 0)
        {
            using var probe = new CheckpointAnalyzer(options, []);
            if (probe.Choose(CheckpointFile.ReadIndex(checkpoints[0].Path)) is { } why) throw new UsageException($"--tensors: {why}.");
            foreach (var c in checkpoints)
                if (probe.Mismatch(CheckpointFile.ReadIndex(c.Path)) is { } mismatch) throw new UsageException($"{mismatch}.");
        }
        return checkpoints;
    }

    /// <summary>Analyses the checkpoints in step order (and, with --follow, those that appear) under the live view.</summary>
    static void AnalyseAll(Settings s, string runDir, List<Checkpoint> checkpoints, Dictionary<long, string> gradients, CheckpointAnalyzer analyzer, LogFeed feed,
        List<string> notes, LatestReadings readings, CancellationTokenSource cancel)
    {
        var title = $"analyze {s.Dir}{(s.Follow ? " (following)" : "")} → {runDir}";
        int total = (int)Math.Min(int.MaxValue, checkpoints.Count > 0 ? checkpoints[^1].Step : 0);
        TrainingView.Run(TrainingView.Choose(s.Json), title, total, (onStep, onEval) =>
        {
            void Analyse(Checkpoint c)
            {
                feed.Until(c.Step);
                using var file = CheckpointFile.Open(c.Path);
                using var grads = gradients.TryGetValue(c.Step, out var g) ? CheckpointFile.Open(g) : null;
                analyzer.Add(c.Step, file, grads);
                onStep?.Invoke(c.Step);
                onEval?.Invoke(Progress(c.Step, Math.Max(total, (int)Math.Min(int.MaxValue, c.Step)), feed));
            }
            foreach (var c in checkpoints)
            {
                if (cancel.IsCancellationRequested) break;
                Analyse(c);
            }
            if (s.Follow) Follow(s, checkpoints, gradients, analyzer, feed, notes, cancel.Token, Analyse);
            return 0;
        }, readings);
    }

    /// <summary>After the last checkpoint: the diagnosis closed, the summary stored, printed (or --json) and the report.</summary>
    static int Conclude(Settings s, string runDir, RunStore store, List<Checkpoint> checkpoints, List<MetricRecord> log, List<string> notes,
        CheckpointAnalyzer analyzer, LogFeed feed, DiagnosisSink diagnosis, System.Diagnostics.Stopwatch started, CancellationTokenSource cancel)
    {
        feed.Until(long.MaxValue);
        bool interrupted = cancel.IsCancellationRequested && !s.Follow;
        string status = interrupted ? "cancelled" : "completed";
        long lastStep = Math.Max(analyzer.LastStep ?? 0, feed.LastStep ?? 0);
        diagnosis.Diagnosis.Finish(lastStep);
        store.Write([new MetricRecord(lastStep, "monitor/seconds/analyze", started.Elapsed.TotalSeconds), new MetricRecord(lastStep, "monitor/calls/analyze", analyzer.Count)]);
        long? grokStep = log.Where(r => r.Name == EvaluationMetrics.TestAcc && r.Value >= diagnosis.Diagnosis.GrokThreshold).Select(r => (long?)r.Step).FirstOrDefault();
        var allNotes = notes.Concat(analyzer.Notes).Distinct().ToList();
        if (analyzer.Count > 0 && analyzer.Windows == 0)
            allNotes.Add($"no spectral window: {analyzer.Count} checkpoint{(analyzer.Count == 1 ? "" : "s")} give {Math.Max(0, analyzer.Count - 1)} update(s), a window needs W = {s.Window} (pass a smaller --window)");
        var summary = DiagnosisBuilder.Summarise(diagnosis.Diagnosis, grokStep).Compose(new Dictionary<string, object?>
        {
            ["checkpoints"] = analyzer.Count,
            ["first_step"] = checkpoints.Count > 0 ? checkpoints[0].Step : null,
            ["last_step"] = analyzer.LastStep,
            ["spectral_windows"] = analyzer.Windows,
            ["gradient_files"] = analyzer.GradientFiles,
            ["metrics_rows"] = log.Select(r => r.Step).Distinct().Count(),
            ["tensors"] = analyzer.Tensors.Count,
            ["parameters"] = analyzer.Parameters,
            ["notes"] = allNotes,
            ["run_dir"] = runDir,
            ["status"] = status,
            ["wall_seconds"] = started.Elapsed.TotalSeconds,
        });
        if (s.Report) summary["report"] = Path.Combine(runDir, "report.html");
        store.Complete(status, CliJson.Serialize(summary));
        if (s.Report) RunEpilogue.WriteReport(runDir);
        if (s.Json) Console.WriteLine(CliJson.Serialize(summary));
        else
        {
            if (summary["diagnosis"] is string answer) AnsiConsole.Write(new Panel(Markup.Escape(answer)).Header("[bold]diagnosis[/]").Expand());
            AnsiConsole.Write(SummaryTable.Of("[bold]run summary[/]", summary, "G5", "diagnosis", "notes"));
            foreach (var n in allNotes) Console.WriteLine($"note: {InspectCommand.Printable(n)}");
        }
        return interrupted ? ExitCodes.Cancelled : ExitCodes.Ok;
    }

    /// <summary>Watches DIR until cancelled or <see cref="Settings.FollowTimeout"/> seconds pass without a new checkpoint.</summary>
    static void Follow(Settings s, List<Checkpoint> initial, Dictionary<long, string> gradients, CheckpointAnalyzer analyzer, LogFeed feed, List<string> notes,
        CancellationToken cancel, Action<Checkpoint> analyse)
    {
        var watcher = new CheckpointWatcher(s.Dir);
        foreach (var c in initial) watcher.MarkDone(c.Path);
        var lastNew = System.Diagnostics.Stopwatch.StartNew();
        while (!cancel.IsCancellationRequested && (s.FollowTimeout is not double limit || lastNew.Elapsed.TotalSeconds < limit))
        {
            try { Task.Delay(TimeSpan.FromSeconds(PollSeconds), cancel).Wait(cancel); }
            catch (OperationCanceledException) { break; }
            if (s.Metrics is not null)
            {
                try { feed.Refresh(TrainingLog.Read(s.Metrics)); }
                catch (Exception e) when (e is InvalidDataException or IOException) { Note(notes, $"--metrics {s.Metrics} not re-read: {e.Message}"); }
            }
            if (s.Grads is not null) foreach (var (step, path) in GradientFiles(s.Grads, notes)) gradients.TryAdd(step, path);
            var ready = watcher.Poll(out var skipped);
            foreach (var x in skipped) Note(notes, $"{x.Name} left out: {x.Reason}");
            var arrived = new List<Checkpoint>();
            foreach (var path in ready)
            {
                var index = CheckpointFile.ReadIndex(path);
                if (CheckpointStep.Of(path, index.Metadata, out var problem, out var source) is not long step) { Note(notes, $"{Path.GetFileName(path)} left out: {problem}"); continue; }
                if (analyzer.Mismatch(index) is { } mismatch) { Note(notes, $"{Path.GetFileName(path)} left out: {mismatch}"); continue; }
                arrived.Add(new Checkpoint(step, path, source));
            }
            foreach (var c in arrived.OrderBy(c => c.Step))
            {
                if (analyzer.LastStep is long last && c.Step <= last) { Note(notes, $"{Path.GetFileName(c.Path)} left out: step {c.Step} arrived after step {last} was analysed"); continue; }
                try { analyse(c); }
                catch (Exception e) when (e is CheckpointFormatException or ArgumentException)
                {
                    Note(notes, $"{Path.GetFileName(c.Path)} left out: {e.Message}");   // changed or replaced since it was found complete
                }
                lastNew.Restart();
            }
        }
    }

    static void Note(List<string> notes, string note)
    {
        if (notes.Contains(note)) return;
        notes.Add(note);
        Console.Error.WriteLine($"phasescope: {InspectCommand.Printable(note)}");
    }

    /// <summary>Gradient files of <paramref name="dir"/> by the step in their names (files without one are noted).</summary>
    static Dictionary<long, string> GradientFiles(string dir, List<string> notes)
    {
        var result = new Dictionary<long, string>();
        foreach (var path in CheckpointDirectory.List(dir, out _))
        {
            if (CheckpointStep.FromName(path, out var problem) is long step)
            {
                if (!result.TryAdd(step, path)) Note(notes, $"--grads: {Path.GetFileName(path)} left out: a second gradient file at step {step}");
            }
            else Note(notes, $"--grads: {Path.GetFileName(path)} left out: {problem}");
        }
        return result;
    }

    static List<MetricRecord> ReadLog(string? path)
    {
        if (path is null) return [];
        if (Directory.Exists(path) || !File.Exists(path)) throw new UsageException($"--metrics {path} is not a file; pass a CSV or JSON Lines training log.");
        try { return TrainingLog.Read(path); }
        catch (InvalidDataException e) { throw new UsageException($"--metrics: {e.Message}"); }
    }

    static TrainProgress Progress(long step, int total, LogFeed feed) =>
        new(step, total, feed.Latest("loss"), new EvaluationResult(feed.Latest(EvaluationMetrics.TrainLoss), feed.Latest(EvaluationMetrics.TrainAcc),
            feed.Latest(EvaluationMetrics.TestLoss), feed.Latest(EvaluationMetrics.TestAcc)), null);

    /// <summary>The training log's records, written to the sinks in step order as the checkpoints reach their steps.</summary>
    sealed class LogFeed(List<MetricRecord> records, IReadOnlyList<IMonitorSink> sinks)
    {
        List<MetricRecord> records = records;
        int next;
        readonly Dictionary<string, double> latest = [];

        public long? LastStep { get; private set; }

        public double Latest(string name) => latest.TryGetValue(name, out var v) ? v : double.NaN;

        /// <summary>Writes the records of steps up to <paramref name="step"/> not written yet.</summary>
        public void Until(long step)
        {
            int start = next;
            while (next < records.Count && records[next].Step <= step) next++;
            if (next == start) return;
            var batch = records.GetRange(start, next - start);
            foreach (var group in batch.GroupBy(r => r.Step))
            {
                var list = group.ToList();
                foreach (var s in sinks) s.Write(list);
            }
            foreach (var r in batch) latest[r.Name] = r.Value;
            LastStep = batch[^1].Step;
        }

        /// <summary>A re-read log: rows after the last written step are taken from it (rows already written stay as they were).</summary>
        public void Refresh(List<MetricRecord> reread)
        {
            var done = records.Take(next).ToList();
            long? last = done.Count > 0 ? done[^1].Step : null;
            records = [.. done, .. reread.Where(r => last is null || r.Step > last)];
        }
    }
}
