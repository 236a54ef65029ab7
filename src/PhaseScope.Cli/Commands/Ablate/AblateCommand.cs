using PhaseScope.Cli.Commands.Grok;
using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Globalization;
using System.Text;
using PhaseScope.Reporting.Outputs.Text;
using PhaseScope.Runtime;
using PhaseScope.Training.Ablation;
using PhaseScope.Training.Models;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Ablate;

/// <summary>
/// <c>phasescope ablate RUN --at T0 --span S [--k 3] [--random 3] [--window 10] [--stride 10]</c>: seed 001's Test 8 as
/// an intervention (<see cref="DirectionAblation"/>) on the setup of a grok run (its settings.json: task, model,
/// optimizer, seed). The run is retrained without the monitor to T0, the window's top-k update directions are projected
/// out of every update for S steps, and the loss response is compared with removing k random directions
/// and with removing the same norm along random directions of the window's span. Writes
/// RUN/ablation-T0/ablation.json and ablation.md; the run itself is only read.
/// </summary>
public static class AblateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "A grok run directory (its settings.json gives task, model and optimizer)." };
        var at = new OptionalNumericOption<int>("--at", "t₀: the step whose window gives the directions; the arms start here.", NumberRange<int>.AtLeast(1)) { Required = true };
        var span = new NumericOption<int>("--span", "Steps each arm trains after t₀.", 200, NumberRange<int>.AtLeast(1).CappedAt(100_000_000, "training steps of each arm"));
        var k = new NumericOption<int>("--k", "Top window directions removed.", 3, NumberRange<int>.AtLeast(1).CappedAt(10_000, "directions removed (at most W)"));
        var random = new NumericOption<int>("--random", "Control arms of each kind: k random orthonormal directions of the whole space, and k random directions of the window's span removing the top-k arm's norm at each step.", 3, NumberRange<int>.AtLeast(0).CappedAt(1000, "control arms, each a retraining of --span steps"));
        var window = new NumericOption<int>("--window", "Updates in the window.", 10, NumberRange<int>.AtLeast(2).CappedAt(10_000, "the updates kept in memory, one copy of the watched parameters each"));
        var stride = new NumericOption<int>("--stride", "Steps per update.", 10, NumberRange<int>.AtLeast(1));
        var threads = new OptionalNumericOption<int>("--threads", "Intra-op threads (default: the run's).", NumberRange<int>.AtLeast(1).CappedAt(4096, "CPU threads"));
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var cmd = new Command("ablate", "Project the top spectral-edge directions out of the updates and compare with random ones (seed 001, Test 8).")
            { run, at, span, k, random, window, stride, threads, json };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(check) ? CheckMode.Print(CheckMode.Values(r)) : Run(r.GetValue(run)!, new DirectionAblation.Options(r.GetValue(at)!.Value, r.GetValue(span), r.GetValue(k), r.GetValue(random),
            r.GetValue(window), r.GetValue(stride), Seed: 0), r.GetValue(threads), r.GetValue(json)));
        return cmd;
    }

    static int Run(string runDir, DirectionAblation.Options options, int? threads, bool json)
    {
        InputPath.Directory(runDir, "", "give a grok run directory");
        var s = GrokSettingsFile.Load(runDir);
        options.Validate();
        // t₀ is a step of the run (its spectral history says where the edge is); beyond it the retraining alone is new work
        if (options.At > s.Trainer.Steps)
            throw new UsageException($"--at {options.At}: the run {runDir} has {s.Trainer.Steps} steps; choose t₀ within them (the ablation retrains the run's setup to t₀).");
        var outDir = Path.Combine(runDir, $"ablation-{options.At}");
        if (Directory.Exists(outDir)) throw new UsageException($"{outDir} already exists; remove it to run the ablation at step {options.At} again.");
        OutputGuard.Directory(outDir + ".partial", "RUN", ownRuns: [runDir]);
        TorchRuntime.Initialize(threads ?? Math.Min(s.Threads ?? Environment.ProcessorCount, Environment.ProcessorCount));
        using var data = GrokCommand.CreateData(s);
        var work = outDir + ".partial";
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        DirectionAblation.Result result;
        try
        {
            result = DirectionAblation.Run(data, () =>
            {
                manual_seed(s.Trainer.Seed);
                return Grok.Tasks.GrokTasks.Of(s).Model(s, data).CreateModel();
            }, s.Trainer, options, work, json ? null : m => Console.Error.WriteLine($"phasescope: {m}"));
            Directory.Delete(Path.Combine(work, "checkpoints"), recursive: true);
            var none = result.Arms[0];
            var report = new Dictionary<string, object?>
            {
                ["run"] = runDir, ["at"] = options.At, ["span"] = options.Span, ["k"] = options.TopK, ["window"] = options.Window, ["stride"] = options.Stride,
                ["optimizer"] = s.Trainer.Optimizer ?? "adamw", ["watched_parameters"] = result.WatchedParameters, ["sigma"] = result.Sigma,
                ["arms"] = result.Arms.Select(a => new Dictionary<string, object?>
                {
                    ["arm"] = a.Name, ["train_loss"] = a.TrainLoss, ["test_loss"] = a.TestLoss, ["test_acc"] = a.TestAccuracy,
                    ["d_train_loss"] = a.TrainLoss - none.TrainLoss, ["d_test_loss"] = a.TestLoss - none.TestLoss, ["removed_fraction"] = a.RemovedFraction, ["removed_norm"] = a.RemovedNorm,
                    ["mean_train_loss"] = a.MeanTrainLoss, ["mean_test_loss"] = a.MeanTestLoss, ["d_mean_test_loss"] = a.MeanTestLoss - none.MeanTestLoss,
                }).ToList(),
            };
            File.WriteAllText(Path.Combine(work, "ablation.json"), CliJson.Serialize(report));
            var md = Markdown(runDir, s, options, result);
            File.WriteAllText(Path.Combine(work, "ablation.md"), md);
            Directory.Move(work, outDir);
            if (json) Console.WriteLine(CliJson.Serialize(report));
            else Console.Write(md);
        }
        catch
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
            throw;
        }
        return ExitCodes.Ok;
    }

    static string Signed(double v) => !double.IsFinite(v) ? "–" : (v < 0 ? "−" : "+") + Math.Abs(v).ToString("0.000", CultureInfo.InvariantCulture);

    static string F(double v, string format = "G4") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    static string Markdown(string runDir, GrokSettings s, DirectionAblation.Options o, DirectionAblation.Result r)
    {
        var none = r.Arms[0];
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"\n**Test 8 — {MarkdownText.Of(Path.GetFileName(Path.TrimEndingDirectorySeparator(runDir)))} ({MarkdownText.Of(s.Task)}, {MarkdownText.Of(s.Trainer.Optimizer ?? "adamw")}): top-{o.TopK} window directions vs random, ")
         .Append(CultureInfo.InvariantCulture, $"t₀ = {o.At}, span {o.Span}, W = {o.Window}, s = {o.Stride}, {r.WatchedParameters:N0} watched parameters; σ = {string.Join(", ", r.Sigma.Take(5).Select(v => F(v, "G3")))}**\n\n")
         .Append("| arm | mean test loss over the span | Δ mean test loss | mean train loss | test loss at end | Δ at end | test acc at end | removed ‖·‖ share | removed ‖·‖, summed |\n|---|---|---|---|---|---|---|---|---|\n");
        foreach (var a in r.Arms)
            b.Append(CultureInfo.InvariantCulture, $"| {MarkdownText.Of(a.Name)} | {F(a.MeanTestLoss)} | {Signed(a.MeanTestLoss - none.MeanTestLoss)} | {F(a.MeanTrainLoss)} | {F(a.TestLoss)} | {Signed(a.TestLoss - none.TestLoss)} | {F(a.TestAccuracy, "F3")} | {F(a.RemovedFraction, "F3")} | {F(a.RemovedNorm)} |\n");
        var top = r.Arms[1];
        foreach (var kind in new[] { "random", "matched" })
        {
            var control = r.Arms.Where(a => a.Name.StartsWith(kind + "-", StringComparison.Ordinal)).Select(a => a.MeanTestLoss - none.MeanTestLoss).ToList();
            if (control.Count == 0) continue;
            double mean = control.Average(), sd = control.Count > 1 ? Math.Sqrt(control.Sum(x => (x - mean) * (x - mean)) / (control.Count - 1)) : double.NaN;
            b.Append(CultureInfo.InvariantCulture, $"\nΔ mean test loss: top-{o.TopK} {Signed(top.MeanTestLoss - none.MeanTestLoss)}; {kind} {Signed(mean)} ± {F(sd, "0.000")} (mean ± sd of {control.Count}).");
        }
        b.Append('\n');
        return b.ToString();
    }
}
