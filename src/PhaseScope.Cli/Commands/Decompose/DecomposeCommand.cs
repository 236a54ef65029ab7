using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Cli.Options;
using PhaseScope.Runtime;
using PhaseScope.SpectralEdge;
using PhaseScope.Training.Ablation;
using PhaseScope.Training.Models;
using PhaseScope.Training.Resume;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Decompose;

/// <summary>
/// <c>phasescope decompose RUN --timepoints T1,T2,… --stride S [--windows 10,20,30,40] [--out DIR] [--json]</c>: seed 001's
/// Test 8 as the seed ran it (§28), offline on a grok run's checkpoints (<see cref="TrajectoryDecomposition"/>): at each
/// timepoint and window size, predicted (Thm. 17.1, with and without the split-half stability γ̂_j) against actual
/// first-order per-direction change of the test loss, Spearman's ρ, and across timepoints Pearson's r of the totals
/// (<see cref="DecompositionTable"/>). The model is rebuilt from the run's settings.json; every checkpoint the windows
/// need is checked before anything is computed. Writes DIR/decomposition.json and DIR/decomposition.md with --out.
/// </summary>
public static class DecomposeCommand
{
    static readonly NumberList<long> Timepoints = new(NumberRange<long>.AtLeast(1), ListOrder.Sorted, 1000, "the timepoints scored, one full-set gradient each");
    static readonly NumberList<int> Windows = new(NumberRange<int>.AtLeast(4).CappedAt(10_000, "updates held in memory, one copy of the parameters each"), ListOrder.Sorted, 100, "window sizes scored at every timepoint");

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "A grok run directory with checkpoints every --stride steps (grok --checkpoint-every)." };
        var timepoints = new Option<string>("--timepoints") { Description = "Steps t at which windows are centred, comma-separated (checkpoint steps).", Required = true };
        var stride = new OptionalNumericOption<long>("--stride", "s: steps between the window's checkpoints (a multiple of the run's --checkpoint-every).", NumberRange<long>.AtLeast(1)) { Required = true };
        var windows = new Option<string>("--windows") { Description = "Window sizes W (even, ≥ 4), comma-separated.", DefaultValueFactory = _ => "10,20,30,40" };
        var threads = new OptionalNumericOption<int>("--threads", "Intra-op threads (default: the run's).", NumberRange<int>.AtLeast(1).CappedAt(4096, "CPU threads"));
        var outDir = new Option<string?>("--out") { Description = "Directory that receives decomposition.json and decomposition.md (created; must not exist)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var cmd = new Command("decompose", "Seed 001's Test 8: predicted vs actual per-direction test-loss change of the update windows of a run's checkpoints.")
            { run, timepoints, stride, windows, threads, outDir, json };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(check) ? CheckMode.Print(CheckMode.Values(r)) : CheckpointInput.Guard(() => Run(r.GetValue(run)!,
            Timepoints.Parse("--timepoints", r.GetValue(timepoints)!), r.GetValue(stride)!.Value, Windows.Parse("--windows", r.GetValue(windows)!),
            r.GetValue(threads), r.GetValue(outDir), r.GetValue(json))));
        return cmd;
    }

    /// <summary>The steps of the run's model checkpoints (<c>checkpoints/step_N.safetensors</c>).</summary>
    internal static SortedSet<long> CheckpointSteps(string runDir)
    {
        var dir = Path.Combine(runDir, "checkpoints");
        var steps = new SortedSet<long>();
        if (!Directory.Exists(dir)) return steps;
        foreach (var f in Directory.EnumerateFiles(dir, "step_*.safetensors"))
        {
            var m = Regex.Match(Path.GetFileName(f), @"^step_(\d+)\.safetensors$");
            if (m.Success && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long s)) steps.Add(s);
        }
        return steps;
    }

    /// <summary>Refuses W and timepoints whose windows the run's checkpoints do not hold, naming the range that fits.</summary>
    internal static void Validate(string runDir, IReadOnlyList<long> timepoints, long stride, IReadOnlyList<int> windows, IReadOnlySet<long> available)
    {
        var odd = windows.FirstOrDefault(w => w % 2 != 0);
        if (odd != 0) throw new UsageException($"--windows {odd}: must be even (two equal half-windows for the stability γ̂); use e.g. {odd + 1}.");
        if (available.Count == 0) throw new UsageException($"{runDir} has no checkpoints; run grok with --checkpoint-every S (S ≤ --stride) first.");
        long first = available.Min(), last = available.Max();
        foreach (int w in windows)
            foreach (long t in timepoints)
            {
                var window = DecompositionWindow.Of(t, w, stride);
                if (window.FirstMissing(available) is not long missing) continue;
                var (min, max) = DecompositionWindow.TimepointRange(w, stride, first, last);
                string fits = min <= max ? $"choose t in {min} … {max} on the --stride grid" : "no timepoint fits: use a smaller --stride or --windows";
                throw new UsageException($"--timepoints {t}: W = {w} at --stride {stride} needs the checkpoints at steps {window.Start} … {window.End} every {stride}; step {missing} is not in {runDir}/checkpoints (steps {first} … {last}): {fits}.");
            }
    }

    static int Run(string runDir, long[] timepoints, long stride, int[] windows, int? threads, string? outDir, bool json)
    {
        InputPath.Directory(runDir, "", "give a grok run directory");
        var s = GrokSettingsFile.Load(runDir);
        Validate(runDir, timepoints, stride, windows, CheckpointSteps(runDir));
        if (outDir is not null)
        {
            if (Directory.Exists(outDir) || File.Exists(outDir)) throw new UsageException($"--out {outDir}: already exists; remove it or name a new directory.");
            OutputGuard.Directory(outDir, "--out");
        }
        TorchRuntime.Initialize(threads ?? Math.Min(s.Threads ?? Environment.ProcessorCount, Environment.ProcessorCount));
        using var data = GrokCommand.CreateData(s);
        manual_seed(s.Trainer.Seed);
        using var model = TransformerConfig.For(data, s.Layers, s.DModel, s.Heads, s.DFf, s.Activation).CreateModel();
        var gradients = new CheckpointGradients(model, data);
        string Checkpoint(long step) => Path.Combine(runDir, "checkpoints", ResumePoint.ModelFileName(step));
        var rows = TrajectoryDecomposition.Run(gradients, Checkpoint, timepoints, windows, stride, s.Trainer.LearningRate,
            json ? null : m => Console.Error.WriteLine($"phasescope: {m}"));
        var table = new DecompositionTable(runDir, s.OperationName, gradients.Dimension, stride, s.Trainer.LearningRate, rows);
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
            File.WriteAllText(Path.Combine(outDir, "decomposition.json"), CliJson.Serialize(table.Json()));
            File.WriteAllText(Path.Combine(outDir, "decomposition.md"), table.Markdown());
        }
        Console.Write(json ? CliJson.Serialize(table.Json()) + "\n" : table.Markdown());
        return ExitCodes.Ok;
    }
}
