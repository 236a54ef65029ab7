using System.CommandLine;
using System.Text.Json;
using PhaseScope.Checkpoints;
using PhaseScope.SpectralEdge;
using Spectre.Console;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands;

/// <summary>
/// <c>phasescope spectral --checkpoints FILE... [--window 10] [--tensors REGEX] [--json]</c>: seed 001's spectral edge
/// from checkpoints written elsewhere (e.g. PyTorch's safetensors). Consecutive checkpoints, in the order given, define
/// the updates δ_i = θ_i − θ_{i−1} of the selected tensors (flattened in the first file's tensor order); every full
/// window of W updates gives one result. <c>step</c> is the 0-based index, in the list given, of the window's last
/// checkpoint. Checkpoints are read one at a time, so memory is one checkpoint plus the window. The science of a window is
/// <see cref="SpectralAnalysis"/>; this command checks the files and formats.
/// </summary>
public static class SpectralCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var checkpoints = new Option<string[]>("--checkpoints") { Description = "Safetensors checkpoints in training order (at least W + 1).", Required = true, AllowMultipleArgumentsPerToken = true };
        var window = new Option<int>("--window") { Description = "W, updates per window.", DefaultValueFactory = _ => 10 };
        var tensors = new Option<string?>("--tensors") { Description = "Tensors to use: a regular expression, 'attention' (W_Q, W_K, W_V, W_O) or 'all' (default)." };
        var float64 = new Option<bool>("--float64") { Description = "Keep the window in float64 (default float32)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON array (one object per full window) on stdout, nothing else." };
        var cmd = new Command("spectral", "Seed 001's spectral edge (σ, k*, gap ratio, g23, k95) of the updates between consecutive safetensors checkpoints.")
        {
            checkpoints, window, tensors, float64, json,
        };
        cmd.SetAction(r => Run(r.GetValue(checkpoints)!, r.GetValue(window), r.GetValue(tensors), r.GetValue(float64), r.GetValue(json)));
        return cmd;
    }

    static int Run(string[] files, int w, string? pattern, bool float64, bool json)
    {
        if (w < 2) throw new UsageException($"--window must be at least 2 (got {w}); one gap ratio needs two singular values.");
        if (files.Length < w + 1L)
            throw new UsageException($"--window {w} needs at least {w + 1L} checkpoints ({w} updates); got {files.Length}. Pass more files or a smaller --window.");
        foreach (var f in files)
            if (!File.Exists(f)) throw new UsageException($"Checkpoint {f} does not exist.");
        TensorSelection selection;
        try { selection = new TensorSelection(pattern); }
        catch (ArgumentException e) { throw new UsageException($"--tensors: {e.Message}"); }

        // Validate every header before any tensor is read: same names, shapes and floating dtypes everywhere.
        var first = SafetensorsHeader.Read(files[0]);
        var names = first.Entries.Select(e => e.Name).ToArray();
        int[] picked;
        try { picked = selection.Select(names); }
        catch (ArgumentException e) { throw new UsageException($"--tensors in {files[0]}: {e.Message}"); }
        var expected = picked.Select(i => first.Entries[i]).ToArray();
        foreach (var f in files)   // the first file too: its own names and shapes match trivially, its dtypes are checked
        {
            var h = (f == files[0] ? first : SafetensorsHeader.Read(f)).Entries.ToDictionary(e => e.Name);
            foreach (var e in expected)
            {
                if (!h.TryGetValue(e.Name, out var other))
                    throw new UsageException($"Checkpoint {f} has no tensor '{e.Name}' (present in {files[0]}); all checkpoints must hold the same tensors.");
                if (!other.Shape.SequenceEqual(e.Shape))
                    throw new UsageException($"Tensor '{e.Name}' has shape [{string.Join(", ", other.Shape)}] in {f} but [{string.Join(", ", e.Shape)}] in {files[0]}.");
                if (!SafetensorsDType.IsFloatingPoint(other.DType))
                    throw new UsageException($"Tensor '{e.Name}' in {f} has dtype {other.DType}; parameters must be floating point.");
            }
        }
        long p = expected.Sum(e => e.Shape.Aggregate(1L, (a, b) => a * b));
        if (p < 1) throw new UsageException("The selected tensors hold no elements.");

        Runtime.TorchRuntime.Initialize();
        var storage = float64 ? ScalarType.Float64 : ScalarType.Float32;
        using var trajectory = new TrajectoryWindow(w, p, storage);
        var results = new List<Dictionary<string, object?>>();
        Tensor? previous = null;
        try
        {
            for (int i = 0; i < files.Length; i++)
            {
                using var scope = NewDisposeScope();
                var loaded = Safetensors.Load(files[i]);
                var current = cat(expected.Select(e => loaded[e.Name].flatten().to_type(storage)).ToArray());
                if (previous is not null)
                {
                    var push = trajectory.Push(current.sub(previous), i);
                    if (!push.Accepted) throw new UsageException($"The update from {files[i - 1]} to {files[i]} is not finite ({push.Rejection}); a checkpoint holds NaN or ±Inf.");
                    if (trajectory.IsFull) results.Add(Describe(i, files[i], trajectory, push));
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

    static Dictionary<string, object?> Describe(int index, string file, TrajectoryWindow window, PushResult push)
    {
        var analysis = SpectralAnalysis.Of(window);
        var s = analysis.Spectrum;
        return new Dictionary<string, object?>
        {
            ["step"] = index,
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
        var table = new Table().Title($"[bold]spectral edge[/] (W = {w}, P = {p:N0}, tensors: {Markup.Escape(selection.Description)})")
            .AddColumns("step", "k*", "k*_w", "gap ratio", "g23", "k95", "σ₁…σ_W");
        foreach (var r in results)
            table.AddRow(r["step"]!.ToString()!, r["k_star"]!.ToString()!, r["k_star_weighted"]!.ToString()!,
                r["gap_ratio"] is double g ? g.ToString("G4") : "-", r["g23"] is double g23 ? g23.ToString("G4") : "-", r["k95"]!.ToString()!,
                string.Join(" ", ((double[])r["sigma"]!).Select(x => x.ToString("G3"))));
        AnsiConsole.Write(table);
    }
}
