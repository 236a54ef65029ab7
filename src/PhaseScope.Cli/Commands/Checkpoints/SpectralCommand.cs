using System.Globalization;
using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Text.Json;
using PhaseScope.Checkpoints;
using PhaseScope.SpectralEdge;
using Spectre.Console;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Checkpoints;

/// <summary>
/// <c>phasescope spectral --checkpoints FILE|DIR... [--window 10] [--tensors REGEX] [--json]</c>: seed 001's spectral edge
/// from checkpoints written elsewhere (safetensors or PyTorch .pt/.pth, <see cref="CheckpointFile"/>). Consecutive
/// checkpoints define the updates δ_i = θ_i − θ_{i−1} of the selected floating-point tensors (flattened in the first file's
/// tensor order; integer tensors such as BatchNorm's counter and, by default, normalisation buffers are left out with a
/// note); every full window of W updates gives one result. A directory stands for its checkpoints
/// (<see cref="CheckpointDirectory"/>), and PhaseScope's own <c>*.monitor.safetensors</c> probe-state files, which a glob
/// such as <c>step_*.safetensors</c> also matches, are left out with a note. <c>step</c> is the training step of the
/// window's last checkpoint, parsed from its file name or metadata (<see cref="CheckpointStep"/>, <c>step_source</c> says
/// which); when every file has one, the checkpoints are taken in step order (a shell glob sorts step_10 before step_5) and
/// two files at one step are refused; when one has none, <c>step</c> is null and the order given is kept. <c>index</c> is the
/// window's last checkpoint's 0-based position. Checkpoints are read one at a time, so memory is one checkpoint plus the
/// window. The science of a window is <see cref="SpectralAnalysis"/>; this command checks the files and formats.
/// </summary>
public static class SpectralCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var checkpoints = new Option<string[]>("--checkpoints") { Description = "Checkpoints (safetensors or PyTorch .pt/.pth) in training order, or directories of them (at least W + 1).", Required = true, AllowMultipleArgumentsPerToken = true };
        var window = new NumericOption<int>("--window", "W, updates per window.", 10, NumberRange<int>.AtLeast(2).CappedAt(10_000, "the updates kept in memory, one copy of the selected tensors each"));
        var tensors = new Option<string?>("--tensors") { Description = "Tensors to use: a regular expression, 'attention' (W_Q, W_K, W_V, W_O) or 'all' (default: every floating-point tensor but normalisation buffers)." };
        var float64 = new Option<bool>("--float64") { Description = "Keep the window in float64 (default float32)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON array (one object per full window) on stdout, nothing else." };
        var cmd = new Command("spectral", "Seed 001's spectral edge (σ, k*, gap ratio, g23, k95) of the updates between consecutive checkpoints (safetensors or PyTorch).")
        {
            checkpoints, window, tensors, float64, json,
        };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(check) ? CheckMode.Print(CheckMode.Values(r)) : CheckpointInput.Guard(() => Run(r.GetValue(checkpoints)!, r.GetValue(window), r.GetValue(tensors), r.GetValue(float64), r.GetValue(json))));
        return cmd;
    }

    /// <summary>The checkpoint files named by <paramref name="given"/> (directories expanded), less what is not a checkpoint.</summary>
    internal static List<string> Expand(string[] given, List<string> notes)
    {
        var files = new List<string>();
        foreach (var f in given)
        {
            if (Directory.Exists(f))
            {
                var listed = CheckpointDirectory.List(f, out var skipped);
                foreach (var s in skipped) notes.Add($"{Path.Combine(f, s.Name)} left out: {s.Reason}");
                files.AddRange(listed);
            }
            else if (!File.Exists(f)) throw new UsageException($"Checkpoint {f} does not exist.");
            else if (Path.GetFileName(f).EndsWith(CheckpointDirectory.MonitorStateSuffix, StringComparison.OrdinalIgnoreCase))
                notes.Add($"{f} left out: PhaseScope's probe state, not a checkpoint");
            else files.Add(f);
        }
        return files;
    }

    static int Run(string[] given, int w, string? pattern, bool float64, bool json)
    {
        if (w < 2) throw new UsageException($"--window must be at least 2 (got {w}); one gap ratio needs two singular values.");
        var notes = new List<string>();
        var files = Expand(given, notes);
        if (files.Count < w + 1L)
        {
            foreach (var n in notes) Console.Error.WriteLine($"phasescope: {n}");
            throw new UsageException($"--window {w} needs at least {w + 1L} checkpoints ({w} updates); got {files.Count}. Pass more files or a smaller --window.");
        }
        foreach (var f in files)
            InputPath.File(f, "--checkpoints", "pass checkpoint files (.safetensors, .pt, .pth) or a directory of them");
        TensorSelection selection;
        try { selection = new TensorSelection(pattern); }
        catch (ArgumentException e) { throw new UsageException($"--tensors: {e.Message}"); }

        // Validate every header before any tensor is read: same names, shapes and floating dtypes everywhere.
        var indexes = files.Select(f => CheckpointInput.Index(f, "--checkpoints")).ToList();
        var (order, steps) = StepOrder(files, indexes, notes);
        files = order.Select(i => files[i]).ToList();
        indexes = order.Select(i => indexes[i]).ToList();
        steps = order.Select(i => steps[i]).ToList();

        var expected = ExpectedTensors(files, indexes, pattern, selection, notes);
        long p = expected.Sum(e => e.Elements);
        if (p < 1) throw new UsageException("The selected tensors hold no elements.");
        foreach (var n in notes.Distinct()) Console.Error.WriteLine($"phasescope: {n}");

        Runtime.TorchRuntime.Initialize();
        var storage = float64 ? ScalarType.Float64 : ScalarType.Float32;
        using var trajectory = new TrajectoryWindow(w, p, storage);
        var results = new List<Dictionary<string, object?>>();
        Tensor? previous = null;
        try
        {
            for (int i = 0; i < files.Count; i++)
            {
                using var scope = NewDisposeScope();
                using var checkpoint = CheckpointFile.Open(files[i]);
                var loaded = checkpoint.LoadAll(expected.Select(e => e.Name));
                var current = cat(expected.Select(e => loaded[e.Name].flatten().to_type(storage)).ToArray());
                if (previous is not null)
                {
                    var push = trajectory.Push(current.sub(previous), steps[i].Step ?? i);
                    if (!push.Accepted) throw new UsageException($"The update from {files[i - 1]} to {files[i]} is not finite ({push.Rejection}); a checkpoint holds NaN or ±Inf.");
                    if (trajectory.IsFull) results.Add(Describe(i, steps[i].Step, steps[i].Step is null ? null : steps[i].Source, files[i], trajectory, push));
                    previous.Dispose();
                }
                previous = current.DetachFromDisposeScope();
            }
        }
        finally
        {
            previous?.Dispose();
        }
        if (json) Console.WriteLine(CliJson.Serialize(results));
        else Print(results, selection, p, w);
        return ExitCodes.Ok;
    }

    /// <summary>The order the checkpoints are taken in (by training step when every one has a step, each step once; else as
    /// given) and each one's step and where it was read.</summary>
    static (int[] Order, List<(long? Step, string Source)> Steps) StepOrder(List<string> files, List<CheckpointIndex> indexes, List<string> notes)
    {
        var steps = new List<(long? Step, string Source)>();
        string? stepProblem = null;
        foreach (var index in indexes)
        {
            var step = CheckpointStep.Of(index.Path, index.Metadata, out var problem, out var source);
            stepProblem ??= problem;
            steps.Add((step, source));
        }
        var order = Enumerable.Range(0, files.Count).ToArray();
        if (steps.All(s => s.Step is not null))
        {
            var dup = order.GroupBy(i => steps[i].Step).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null)
                throw new UsageException($"Checkpoints {string.Join(" and ", dup.Select(i => files[i]))} are both at training step {dup.Key}; pass one checkpoint per step.");
            var sorted = order.OrderBy(i => steps[i].Step).ToArray();
            if (!sorted.SequenceEqual(order)) notes.Add("checkpoints taken in training-step order (parsed from their names), not in the order given");
            order = sorted;
        }
        else notes.Add($"'step' is null ({stepProblem}); the checkpoints are taken in the order given and 'index' numbers them");
        return (order, steps);
    }

    /// <summary>The selected tensors of the first checkpoint, checked in every one: same names, shapes and floating dtypes.</summary>
    static CheckpointEntry[] ExpectedTensors(List<string> files, List<CheckpointIndex> indexes, string? pattern, TensorSelection selection, List<string> notes)
    {
        var first = indexes[0];
        var candidates = CheckpointInput.ParameterEntries(first, pattern, notes);
        int[] picked;
        try { picked = selection.Select(candidates.Select(e => e.Name).ToArray()); }
        catch (ArgumentException e) { throw new UsageException($"--tensors in {files[0]}: {e.Message}"); }
        var expected = picked.Select(i => candidates[i]).ToArray();
        foreach (var index in indexes)   // the first file too: its own names and shapes match trivially
        {
            foreach (var e in expected)
            {
                var other = index.Find(e.Name)
                    ?? throw new UsageException($"Checkpoint {index.Path} has no tensor '{e.Name}' (present in {files[0]}); all checkpoints must hold the same tensors.");
                if (!other.Shape.SequenceEqual(e.Shape))
                    throw new UsageException($"Tensor '{e.Name}' has shape [{string.Join(", ", other.Shape)}] in {index.Path} but [{string.Join(", ", e.Shape)}] in {files[0]}.");
                if (!other.IsFloatingPoint)
                    throw new UsageException($"Tensor '{e.Name}' in {index.Path} has dtype {other.DType}; parameters must be floating point.");
            }
        }
        return expected;
    }

    static Dictionary<string, object?> Describe(int index, long? step, string? stepSource, string file, TrajectoryWindow window, PushResult push)
    {
        var analysis = SpectralAnalysis.Of(window);
        var s = analysis.Spectrum;
        return new Dictionary<string, object?>
        {
            ["step"] = step,
            ["step_source"] = stepSource,
            ["index"] = index,
            ["file"] = file,
            ["sigma"] = s.Sigma,
            ["k_star"] = s.KStar,
            ["k_star_weighted"] = s.KStarWeighted,
            ["gap_ratio"] = SummaryTable.Finite(s.GapRatio),
            ["gap"] = SummaryTable.Finite(s.Gap),
            ["g23"] = SummaryTable.Finite(s.G23),
            ["k95"] = s.K95,
            ["rank"] = s.Rank,
            ["delta_sigma"] = SummaryTable.Finite(push.DeltaSigmaFrobenius),
            ["null_p"] = analysis.NullP,
            ["stability_half"] = analysis.SplitHalf.Select(SummaryTable.Finite).ToArray(),
        };
    }

    static void Print(List<Dictionary<string, object?>> results, TensorSelection selection, long p, int w)
    {
        var table = new Table().Title($"[bold]spectral edge[/] (W = {w}, P = {p:N0}, tensors: {TerminalText.Markup(selection.Description)}; step: the training step of the window's last checkpoint, index: its position)")
            .AddColumns("step", "index", "k*", "k*_w", "gap ratio", "g23", "k95", "σ₁…σ_W");
        foreach (var r in results)
            table.AddRow(r["step"] is long st ? st.ToString(CultureInfo.InvariantCulture) : "-", Convert.ToString(r["index"], CultureInfo.InvariantCulture)!, Convert.ToString(r["k_star"], CultureInfo.InvariantCulture)!, Convert.ToString(r["k_star_weighted"], CultureInfo.InvariantCulture)!,
                r["gap_ratio"] is double g ? g.ToString("G4", CultureInfo.InvariantCulture) : "-", r["g23"] is double g23 ? g23.ToString("G4", CultureInfo.InvariantCulture) : "-", Convert.ToString(r["k95"], CultureInfo.InvariantCulture)!,
                string.Join(" ", ((double[])r["sigma"]!).Select(x => x.ToString("G3", CultureInfo.InvariantCulture))));
        AnsiConsole.Write(table);
    }
}
