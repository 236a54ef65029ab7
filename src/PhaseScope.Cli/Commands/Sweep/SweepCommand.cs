using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PhaseScope.IO;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Descriptors;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Reporting.Store;
using PhaseScope.Runtime;
using PhaseScope.Training.Tasks;
using Spectre.Console;

namespace PhaseScope.Cli.Commands.Sweep;

/// <summary>
/// <c>phasescope sweep</c>: runs a grid of grok runs (operations × seeds × weight decays) with every probe
/// (each family's verdict arguments, <see cref="ProbeArgs"/>; C_α every 10 steps and λ_max every 100 unless the grok
/// arguments say otherwise: <see cref="VerdictSchedules"/>), one child process per run, into
/// one sweep directory. Resumable: <c>SWEEP_DIR/sweep.json</c> records the grid; run again with the same options and
/// completed and diverged runs are skipped, runs with a resume point continue (<c>grok --resume</c>), runs killed before
/// their first checkpoint start again. <c>--jobs N</c> runs N children at a time; <c>--shard I/N</c> runs one slice of the
/// grid (<see cref="SweepShard"/>) so that N processes on N machines share one directory (docs/CLUSTER.md). A progress
/// line per run with the grid's estimated time left, and a table of the grid at the end.
/// </summary>
public static class SweepCommand
{
    /// <summary>Probes every sweep run carries: each built-in family's <see cref="IMetricFamily.VerdictArguments"/>
    /// (<c>--consolidation micro --curvature --spectral --moments</c>).</summary>
    public static readonly string[] ProbeArgs = [.. MetricFamilies.BuiltIn.SelectMany(f => f.VerdictArguments)];

    /// <summary>The schedules the verdict's indicators are scored at, each family's <see cref="IMetricFamily.VerdictSchedules"/>
    /// (C_α every 10 steps and λ_max every 100, denser than grok's defaults, chosen for ≤ 3 % overhead). Each is added
    /// unless the grok arguments set it.</summary>
    public static readonly (string Option, string Value)[] VerdictSchedules = [.. MetricFamilies.BuiltIn.SelectMany(f => f.VerdictSchedules)];

    /// <summary>The verdict schedules that <paramref name="grokArgs"/> leave unset, as arguments.</summary>
    public static string[] ScheduleArgs(IReadOnlyList<string> grokArgs) =>
        VerdictSchedules.Where(v => !grokArgs.Any(a => a == v.Option || a.StartsWith(v.Option + "=", StringComparison.Ordinal)))
            .SelectMany(v => new[] { v.Option, v.Value }).ToArray();

    /// <summary>The sweep's definition, stored as SWEEP_DIR/sweep.json.</summary>
    public sealed record SweepPlan(string Task, string[] Ops, int[] Seeds, double[] WeightDecays, int Steps, string[] GrokArgs, bool Multitask = false)
    {
        /// <summary>The grid's cells in order: (run name, grok arguments).</summary>
        public IEnumerable<(string Name, string[] Args)> Cells() =>
            from op in !HasOperations(Task) ? ["-"] : Multitask ? [string.Join(',', Ops)] : Ops
            from wd in WeightDecays
            from seed in Seeds
            select (Name(op, seed, wd), (string[])
            [
                "grok", "--task", Task, .. HasOperations(Task) ? new[] { "--op", op } : [], .. Multitask ? new[] { "--multitask" } : [], "--seed", seed.ToString(CultureInfo.InvariantCulture),
                "--weight-decay", wd.ToString("R", CultureInfo.InvariantCulture), "--steps", Steps.ToString(CultureInfo.InvariantCulture),
                .. ProbeArgs, .. ScheduleArgs(GrokArgs), .. GrokArgs,
            ]);

        string Name(string op, int seed, double wd) => string.Create(CultureInfo.InvariantCulture,
            $"{Task}{(HasOperations(Task) ? "-" + op.Replace(',', '+') : "")}-s{seed}-wd{wd:G}");

        /// <summary>Whether <paramref name="task"/> takes operations: one cell per operation (or one multi-task cell).</summary>
        static bool HasOperations(string task) => Grok.Tasks.GrokTasks.Named(task).HasOperations;

        /// <summary>Same grid and settings (order-insensitive comparison is not needed: the lists are the user's).</summary>
        public bool SameAs(SweepPlan other) => Task == other.Task && Ops.SequenceEqual(other.Ops) && Seeds.SequenceEqual(other.Seeds)
            && WeightDecays.SequenceEqual(other.WeightDecays) && Steps == other.Steps && GrokArgs.SequenceEqual(other.GrokArgs) && Multitask == other.Multitask;
    }

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = $"{Grok.Tasks.GrokTasks.NameList}.", DefaultValueFactory = _ => "modular" };
        var ops = new Option<string>("--ops") { Description = $"Comma-separated modular operations ({ModularArithmetic.NameList}).", DefaultValueFactory = _ => "add,sub,mul,x2_y2" };
        var seeds = SeedList.Option("--seeds", "Comma-separated seeds.", "42,137,2024");
        var wds = WeightDecayList.Option("--weight-decay", "Comma-separated weight decays (1.0 groks; 0.0 is the control).", "1.0,0.0");
        var steps = new NumericOption<int>("--steps", "Steps per run.", 6000, NumberRange<int>.AtLeast(1).CappedAt(100_000_000, "training work per run: one forward and backward pass per step"));
        var grok = new Option<string>("--grok-args") { Description = "Further grok options for every run, e.g. \"--p 97 --threads 2\".", DefaultValueFactory = _ => "" };
        var multitask = new Option<bool>("--multitask") { Description = "One multi-task model per seed and weight decay over all --ops (seed 001's add+mul, add+mul+sq) instead of one run per operation." };
        var outDir = new Option<string>("--out") { Description = "The sweep directory (created; an existing one continues the same sweep).", Required = true };
        var jobs = new NumericOption<int>("--jobs", "Runs at a time (default 1). Give each its share of the cores through --grok-args \"--threads N\".", 1, NumberRange<int>.AtLeast(1).CappedAt(256, "child processes at a time, each a training run in memory"));
        var shard = new Option<string?>("--shard") { Description = "I/N: run only the grid cells c with c mod N = I (I 0-based), so N processes on N machines (a Slurm job array, a Kubernetes indexed Job) share one --out directory; see docs/CLUSTER.md." };
        var cmd = new Command("sweep", "Run a grid of grok runs with every probe; resumable.") { task, ops, seeds, wds, steps, grok, multitask, outDir, jobs, shard };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var slice = r.GetValue(shard) is { } text ? SweepShard.Parse(text) : SweepShard.All;
            var plan = Parse(r.GetValue(task)!, r.GetValue(ops)!, r.GetValue(seeds)!, r.GetValue(wds)!, r.GetValue(steps), r.GetValue(grok)!, r.GetValue(multitask));
            if (r.GetValue(check))
            {
                OutputGuard.Directory(r.GetValue(outDir)!, "--out");
                return CheckMode.Print(new { plan, out_dir = r.GetValue(outDir), jobs = r.GetValue(jobs), shard = slice.ToString(), cells = plan.Cells().Select(c => c.Name).ToArray() });
            }
            return Run(plan, r.GetValue(outDir)!, r.GetValue(jobs), slice);
        });
        return cmd;
    }

    /// <summary>The grid's seeds: in the user's order (it orders the runs), none repeated (a repeat would be the same run
    /// twice); each is one grok run per operation and weight decay.</summary>
    public static readonly NumberList<int> SeedList = new(NumberRange<int>.Any, ListOrder.AsGiven, 1000, "the grid's runs, one training run per cell");

    /// <summary>The grid's weight decays: in the user's order, none repeated, each finite and ≥ 0.</summary>
    public static readonly NumberList<double> WeightDecayList = new(NumberRange<double>.AtLeast(0), ListOrder.AsGiven, 1000, "the grid's runs, one training run per cell");

    /// <summary>Validates the grid options.</summary>
    public static SweepPlan Parse(string task, string ops, string seeds, string wds, int steps, string grokArgs, bool multitask = false)
    {
        task = task.ToLowerInvariant();
        bool operations = Grok.Tasks.GrokTasks.Named(task).HasOperations;
        static string[] List(string s) => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var opList = List(ops);
        if (operations)
        {
            if (opList.Length == 0) throw new UsageException("--ops needs at least one operation, e.g. --ops add,mul.");
            foreach (var op in opList)
                try { ModularArithmetic.ParseOperation(op); }
                catch (TaskConfigurationException e) { throw new UsageException($"--ops: {e.Message}"); }
        }
        int[] seedList = SeedList.Parse("--seeds", seeds);
        double[] wdList = WeightDecayList.Parse("--weight-decay", wds);
        if (steps < 1) throw new UsageException($"--steps must be positive (got {steps}).");
        var extra = grokArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (multitask && (!operations || opList.Length < 2)) throw new UsageException("--multitask needs --task modular and two or more --ops, e.g. --ops add,mul --multitask.");
        foreach (var reserved in new[] { "--task", "--op", "--multitask", "--seed", "--weight-decay", "--steps", "--out", "--name", "--json", "--resume" })
            if (extra.Contains(reserved)) throw new UsageException($"--grok-args cannot hold {reserved}: the sweep sets it for every run.");
        var plan = new SweepPlan(task, operations ? opList : [], seedList, wdList, steps, extra, multitask);
        CheckGrokArguments(plan);
        return plan;
    }

    /// <summary>Parses every cell's grok arguments with grok's own parser before anything is written, so that a mistyped
    /// --grok-args option is exit 2 with the parser's message, instead of a sweep whose every run fails with only the last
    /// line of the child's error output ("Run 'phasescope --help'…").</summary>
    static void CheckGrokArguments(SweepPlan plan)
    {
        var grok = GrokCommand.Create();
        foreach (var (name, args) in plan.Cells())
        {
            var errors = grok.Parse(args.Skip(1).ToArray()).Errors;
            if (errors.Count > 0)
                throw new UsageException($"--grok-args \"{string.Join(' ', plan.GrokArgs)}\" is not valid for grok ({name}): {string.Join(" ", errors.Select(e => e.Message))} See 'phasescope grok --help'.");
        }
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The state of a cell whose run another process is writing.</summary>
    const string Busy = "busy";

    /// <summary>Runs (or continues) the sweep in <paramref name="directory"/>: the cells of <paramref name="shard"/> (all by
    /// default). Exit 0 when every one of them finished (completed or diverged: a finished outcome, not retried),
    /// 1 when one failed, 130/143 when SIGINT/SIGTERM stopped the sweep (passed on to the running children, which store
    /// their runs as interrupted; the next invocation resumes them).</summary>
    public static int Run(SweepPlan plan, string directory, int jobs = 1, SweepShard? shard = null)
    {
        shard ??= SweepShard.All;
        if (jobs < 1) throw new UsageException($"--jobs must be at least 1 (got {jobs}).");
        OutputGuard.Directory(directory, "--out");
        bool created = !Directory.Exists(directory);
        ClaimManifest(plan, directory);

        var cells = plan.Cells().ToList();
        var mine = Enumerable.Range(0, cells.Count).Where(shard.Contains).ToList();
        if (shard.Count > 1) Console.WriteLine($"{shard}: {mine.Count} of the grid's {cells.Count} cells");
        var progress = new SweepProgress(cells.Count, mine.Count, jobs, shard);
        var children = new Dictionary<int, Process>();
        // Ctrl+C at a terminal reaches the children too (one process group); kill, Slurm and Kubernetes signal the sweep
        // alone, so every signal is passed on: each child then stores its run as interrupted, resumable.
        using var signals = new StopSignals(signal =>
        {
            lock (children) foreach (var child in children.Values) ChildSignal.Send(child.Id, signal);
        });
        using var slots = new SemaphoreSlim(jobs);
        var running = new List<Task>();
        foreach (int i in mine)
        {
            try { slots.Wait(signals.Token); }
            catch (OperationCanceledException) { break; }
            var (name, args) = cells[i];
            var runDir = Path.Combine(directory, name);
            if (Invocation(i, name, args, directory, runDir, progress) is not { } invocation)
            {
                slots.Release();
                continue;
            }
            int index = i;
            running.Add(Task.Run(() =>
            {
                try { RunCell(index, name, invocation, runDir, children, signals, progress); }
                finally { slots.Release(); }
            }));
        }
        Task.WaitAll(running);
        return Finish(directory, created, shard, mine, progress, signals);
    }

    /// <summary>What to run for cell <paramref name="i"/>: its grok arguments (new, or killed before its first checkpoint),
    /// <c>grok --resume</c> (a resume point), or nothing (finished, or another process is writing it: recorded as such).</summary>
    static string[]? Invocation(int i, string name, string[] args, string directory, string runDir, SweepProgress progress)
    {
        string[] invocation;
        string action;
        var (state, summary) = State(runDir);
        switch (state)
        {
            case RunStatus.Completed or RunStatus.Diverged:
                progress.Skipped(i, name, state, summary!, $"already {state}, skipped", counts: true);
                return null;
            case Busy:
                progress.Skipped(i, name, Busy, "another process holds its run.lock (a second shard with the same I?); left alone", "being written by another process, skipped", counts: false);
                return null;
            case "resumable":
                invocation = ["grok", "--resume", runDir, "--json"];
                action = "resuming";
                break;
            case "restart":
                Directory.Delete(runDir, recursive: true);   // killed before its first checkpoint: nothing to keep
                goto default;
            default:
                invocation = [.. args, "--out", directory, "--name", name, "--json"];
                action = "starting";
                break;
        }
        progress.Say($"[{i + 1}/{progress.Cells}] {name}: {action}");
        return invocation;
    }

    /// <summary>Runs one cell's child and records how its run ended.</summary>
    static void RunCell(int index, string name, string[] invocation, string runDir, Dictionary<int, Process> children, StopSignals signals, SweepProgress progress)
    {
        var watch = Stopwatch.StartNew();
        var (code, stderr) = RunChild(invocation, children, signals);
        var (after, finished) = State(runDir);
        string status = after is RunStatus.Completed or RunStatus.Diverged ? after
            : code is ExitCodes.Cancelled or ExitCodes.Terminated || signals.Stopped ? RunStatus.Interrupted : RunStatus.Failed;
        progress.Finished(index, name, status, finished ?? $"exit {code}: {ErrorLine(stderr)}", watch.Elapsed);
    }

    /// <summary>After the last child: removes a sweep none of whose cells started, prints the grid's table, and returns
    /// the exit code.</summary>
    static int Finish(string directory, bool created, SweepShard shard, List<int> mine, SweepProgress progress, StopSignals signals)
    {
        // a sweep none of whose cells started (a grok setting refused by each child) leaves nothing behind
        if (created && !Directory.EnumerateDirectories(directory).Any())
        {
            File.Delete(Path.Combine(directory, "sweep.json"));
            if (!Directory.EnumerateFileSystemEntries(directory).Any()) Directory.Delete(directory);
            Console.Error.WriteLine($"phasescope: no run of the sweep started; {TerminalText.Plain(directory)} was removed.");
        }
        var results = progress.Results;
        var table = new Table().Title($"[bold]sweep {TerminalText.Markup(directory)}{(shard.Count > 1 ? $", {shard}" : "")}[/]").AddColumns("run", "status", "result");
        foreach (var (name, status, detail) in results.OfType<(string, string, string)>()) table.AddRow(TerminalText.Markup(name), status, TerminalText.Markup(detail));
        AnsiConsole.Write(table);
        if (signals.Stopped)
        {
            Console.Error.WriteLine($"phasescope: sweep stopped by {signals.SignalName}; run the same command again to continue it.");
            return signals.ExitCode;
        }
        return mine.All(i => results[i] is { Status: RunStatus.Completed or RunStatus.Diverged }) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>
    /// Writes <c>DIRECTORY/sweep.json</c> for <paramref name="plan"/>, or checks that the one there holds the same grid.
    /// Shards started at once race to create it: the manifest is created whole and only where none exists
    /// (<see cref="AtomicCreate"/>), so one wins and the others compare against it — the same grid continues, another
    /// grid is bad input (exit 2).
    /// </summary>
    static void ClaimManifest(SweepPlan plan, string directory)
    {
        var manifest = Path.Combine(directory, "sweep.json");
        if (!File.Exists(manifest))
        {
            Directory.CreateDirectory(directory);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(plan, Json);
            if (AtomicCreate.TryWrite(manifest, s => s.Write(bytes))) return;
        }
        InputPath.File(manifest, "--out", "remove it or choose another --out");
        SweepPlan? stored;
        try { stored = JsonSerializer.Deserialize<SweepPlan>(File.ReadAllBytes(manifest)); }
        catch (JsonException e) { throw new UsageException($"{manifest} is not a readable sweep definition ({EventText.OneLine(e.Message)}); use another --out."); }
        if (stored is null || !stored.SameAs(plan))
            throw new UsageException($"{directory} holds another sweep ({manifest}); continue it with the same options or choose another --out.");
    }

    /// <summary>completed or diverged (finished, with its one-line result, read from the same opening of the store),
    /// busy (another process holds its run.lock: left alone), resumable (has a run store and a complete resume point),
    /// restart (a run store without one), or new.</summary>
    static (string State, string? Result) State(string runDir)
    {
        if (!RunReader.IsRun(runDir))
        {
            if (Directory.Exists(runDir))
                throw new UsageException($"{runDir} exists but is not a PhaseScope run (no run.db); the sweep will not delete it. Move it away and run the sweep again.");
            return ("new", null);
        }
        try
        {
            using var reader = RunReader.Open(runDir);
            var info = reader.Info();
            if (RunStatus.IsFinished(info.Status)) return (info.Status, Describe(info.SummaryJson));
        }
        catch (RunStoreException) { return ("restart", null); }
        try { RunLock.Acquire(runDir).Dispose(); }
        catch (RunStoreException) { return (Busy, null); }   // another sweep (a shard given the same I) is writing it
        return (PhaseScope.Training.Resume.ResumePoint.Latest(Path.Combine(runDir, "checkpoints"), out _) is null ? "restart" : "resumable", null);
    }

    static string Describe(string? summary)
    {
        if (summary is null) return "";
        using var doc = JsonDocument.Parse(summary);
        var root = doc.RootElement;
        string Get(string key) => root.TryGetProperty(key, out var v) ? v.ToString() : "?";
        string result = $"grokked {Get("grokked")} (step {Get("grok_step")}), test acc {Get("final_test_acc")}";
        return root.TryGetProperty("diverged_at", out var at) ? $"diverged at step {at}; {result}" : result;
    }

    /// <summary>The child's error: its first "phasescope: …" line (the cause; hints follow it), else its last line.</summary>
    static string ErrorLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.FirstOrDefault(l => l.StartsWith("phasescope: ", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "";
    }

    /// <summary>Runs this CLI again as a child process (so a crash or kill of one run leaves the sweep going), listed in
    /// <paramref name="children"/> while it runs so that a signal to the sweep reaches it; a child started after the
    /// signal gets it at once.</summary>
    static (int Code, string Stderr) RunChild(string[] args, Dictionary<int, Process> children, StopSignals signals)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(typeof(SweepCommand).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var child = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {host}.");
        lock (children) children[child.Id] = child;
        try
        {
            if (signals.Signal is { } signal) ChildSignal.Send(child.Id, signal);
            var stdout = child.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = child.StandardError.ReadToEndAsync(CancellationToken.None);
            child.WaitForExit();
            return (child.ExitCode, stderr.Result);
        }
        finally
        {
            lock (children) children.Remove(child.Id);
        }
    }
}
