using PhaseScope.Cli.Commands.Grok;
using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Globalization;
using System.Text.RegularExpressions;
using PhaseScope.LearningCoefficient;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Runtime;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Resume;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Llc;

/// <summary>
/// <c>phasescope llc RUN_DIR [--steps 1000,2000] [--chains 4] [--draws 200] [--burn-in 100] [--step-size ε]
/// [--localization γ] [--nbeta nβ] [--batch-size B] [--json]</c>: the local learning coefficient
/// (<see cref="LocalLearningCoefficient"/>) at each model checkpoint of a grok run (<c>checkpoints/step_N.safetensors</c>),
/// on the run's own task and model (from its settings.json), with the LLC curve's turns (<see cref="LlcProbe.Turn"/>,
/// Hoogland et al.'s stage boundaries) listed. Reads the run; writes nothing into it.
/// </summary>
public static partial class LlcCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var dir = new Argument<string>("RUN_DIR") { Description = "A run directory written by 'phasescope grok' (its settings.json and checkpoints/)." };
        var steps = CheckpointSteps.Option("--steps", "Checkpoint steps to estimate at, comma-separated (default: every model checkpoint).", null);
        var chains = new NumericOption<int>("--chains", "SGLD chains per checkpoint.", 4, NumberRange<int>.AtLeast(1).CappedAt(10_000, "SGLD chains per checkpoint"));
        var draws = new NumericOption<int>("--draws", "Loss readings per chain after burn-in.", 200, NumberRange<int>.AtLeast(1).CappedAt(10_000_000, "SGLD steps per chain"));
        var burnIn = new NumericOption<int>("--burn-in", "SGLD steps per chain before readings count.", 100, NumberRange<int>.AtLeast(0).CappedAt(10_000_000, "SGLD steps per chain"));
        var stepSize = new NumericOption<double>("--step-size", "SGLD step size ε (lower it if chains diverge).", DefaultStepSize, NumberRange<double>.Above(0));
        var localization = new NumericOption<double>("--localization", "γ of the restoring term (γ/2)‖w − w*‖².", Grok.LlcSettings.DefaultLocalization, NumberRange<double>.AtLeast(0));
        var nBeta = new OptionalNumericOption<double>("--nbeta", "nβ (default n / log n, n = training examples).", NumberRange<double>.Above(0));
        var batch = new OptionalNumericOption<int>("--batch-size", "Examples per SGLD mini-batch (default: the run's batch size).", NumberRange<int>.AtLeast(1).CappedAt(1 << 20, "the examples of one SGLD step"));
        var seed = new NumericOption<long>("--seed", "Seed of batches and SGLD noise.", 0, NumberRange<long>.Any);
        var threads = new OptionalNumericOption<int>("--threads", "CPU threads (default: all cores).", NumberRange<int>.AtLeast(1).CappedAt(4096, "CPU threads"));
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var cmd = new Command("llc", "Local learning coefficient (SGLD estimate) at each checkpoint of a grok run, with the LLC curve's stage boundaries.")
        {
            dir, steps, chains, draws, burnIn, stepSize, localization, nBeta, batch, seed, threads, json,
        };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(check) ? Checked(r, new LlcOptions(r.GetValue(chains), r.GetValue(draws), r.GetValue(burnIn), r.GetValue(stepSize), r.GetValue(localization), r.GetValue(nBeta), Seed: r.GetValue(seed))) : Run(r.GetValue(dir)!, r.GetValue(steps),
            new LlcOptions(r.GetValue(chains), r.GetValue(draws), r.GetValue(burnIn), r.GetValue(stepSize), r.GetValue(localization), r.GetValue(nBeta), Seed: r.GetValue(seed)),
            r.GetValue(batch), r.GetValue(threads), r.GetValue(json)));
        return cmd;
    }

    /// <summary>ε of the command: the grok probe's tuned default (<see cref="Grok.LlcSettings"/>).</summary>
    public const double DefaultStepSize = Grok.LlcSettings.DefaultStepSize;

    [GeneratedRegex(@"^step_(\d+)\.safetensors$")]
    private static partial Regex ModelFile();

    /// <summary>The checkpoint steps of <c>--steps</c>: a set (sorted, repeats dropped), each a step ≥ 0; each is one LLC
    /// estimate of chains × (burn-in + draws) SGLD steps.</summary>
    static readonly NumberList<long> CheckpointSteps = new(NumberRange<long>.AtLeast(0), ListOrder.Sorted, 10_000, "the LLC estimates, chains × (burn-in + draws) SGLD steps each");

    /// <summary><c>--check</c>: the estimator's options validated, the parsed options printed.</summary>
    static int Checked(ParseResult r, LlcOptions options)
    {
        Validate(options);
        return CheckMode.Print(CheckMode.Values(r));
    }

    static int Run(string runDir, string? stepList, LlcOptions options, int? batch, int? threads, bool json)
    {
        Validate(options);
        if (batch is < 1) throw new UsageException($"--batch-size must be at least 1 (got {batch}).");
        if (threads is < 1) throw new UsageException($"--threads must be at least 1 (got {threads}).");
        InputPath.Directory(runDir, "", "pass a run directory written by 'phasescope grok'");
        var s = GrokSettingsFile.Load(runDir);
        var (available, chosen) = ChosenCheckpoints(runDir, stepList);

        TorchRuntime.Initialize(threads ?? s.Threads);
        using var data = GrokCommand.CreateData(s);
        try { options.NBetaFor(data.TrainCount); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        manual_seed(s.Trainer.Seed);
        using var model = Grok.Tasks.GrokTasks.Of(s).Model(s, data).CreateModel();
        var source = new TrainingLossSource(data, model, (int)Math.Min(batch ?? s.Trainer.BatchSize, data.TrainCount));
        var parameters = model.parameters().ToArray();
        var rows = new List<(long Step, LlcEstimate Estimate)>();
        var readings = new List<(long, double, double)>();
        var turns = new List<(long Step, string Message)>();
        if (!json) Console.WriteLine($"LLC of {TerminalText.Plain(runDir)}: n = {data.TrainCount}, nβ = {options.NBetaFor(data.TrainCount):G4}, ε = {options.StepSize:G3}, γ = {options.Localization:G3}, {options.Chains} chains × ({options.BurnIn} + {options.Draws}) steps");
        foreach (var step in chosen)
        {
            try { ModelWeights.Load(model, available[step], "Was the checkpoint written by this run?"); }
            catch (ResumeException e) { throw new UsageException(e.Message); }
            var est = LlcProbe.EstimateAt(parameters, source, step, options, data.TrainCount, options.Seed);
            rows.Add((step, est));
            if (!double.IsNaN(est.LambdaHat))
            {
                readings.Add((step, est.LambdaHat, double.IsFinite(est.StandardError) ? est.StandardError : 0));
                if (LlcProbe.Turn(readings) is { } turn) turns.Add((step, turn));
            }
            if (!json)
                Console.WriteLine($"  step {step,7}  λ̂ {F(est.LambdaHat),10} ± {F(est.StandardError),-8}  L(w*) {F(est.ReferenceLoss),-10}  E[L] {F(est.MeanLoss),-10}{(est.Diverged > 0 ? $"  {est.Diverged} chain(s) diverged: lower --step-size" : "")}");
        }
        if (json)
            Console.WriteLine(CliJson.Serialize(new Dictionary<string, object?>
            {
                ["run"] = runDir, ["train_examples"] = data.TrainCount, ["nbeta"] = options.NBetaFor(data.TrainCount), ["step_size"] = options.StepSize,
                ["localization"] = options.Localization, ["chains"] = options.Chains, ["draws"] = options.Draws, ["burn_in"] = options.BurnIn,
                ["checkpoints"] = rows.Select(r => new Dictionary<string, object?>
                {
                    ["step"] = r.Step, ["lambda_hat"] = Finite(r.Estimate.LambdaHat), ["se"] = Finite(r.Estimate.StandardError),
                    ["reference_loss"] = Finite(r.Estimate.ReferenceLoss), ["mean_loss"] = Finite(r.Estimate.MeanLoss), ["diverged"] = r.Estimate.Diverged,
                }).ToList(),
                ["turns"] = turns.Select(t => new Dictionary<string, object?> { ["step"] = t.Step, ["message"] = t.Message }).ToList(),
            }));
        else foreach (var (step, message) in turns) Console.WriteLine($"  turn (known at step {step}): {TerminalText.Plain(message)}");
        return rows.All(r => r.Estimate.Diverged == 0) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>The run's model checkpoints by step, and the steps to estimate at (<c>--steps</c>, else all of them).</summary>
    static (Dictionary<long, string> Available, List<long> Chosen) ChosenCheckpoints(string runDir, string? stepList)
    {
        var checkpoints = Path.Combine(runDir, "checkpoints");
        var available = Directory.Exists(checkpoints)
            ? Directory.GetFiles(checkpoints).Select(f => ModelFile().Match(Path.GetFileName(f))).Where(m => m.Success)
                .ToDictionary(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => Path.Combine(checkpoints, m.Value))
            : [];
        if (available.Count == 0)
            throw new UsageException($"{runDir} has no model checkpoints (checkpoints/step_N.safetensors); run grok with --checkpoint-every N to write them.");
        List<long> chosen;
        if (stepList is null) chosen = available.Keys.Order().ToList();
        else
        {
            chosen = [];
            foreach (var st in CheckpointSteps.Parse("--steps", stepList))
            {
                if (!available.ContainsKey(st))
                    throw new UsageException($"--steps {st}: no checkpoint at that step; {runDir} has {string.Join(", ", available.Keys.Order())}.");
                chosen.Add(st);
            }
            if (chosen.Count == 0) throw new UsageException("--steps is empty; name at least one checkpoint step.");
        }
        return (available, chosen);
    }

    static void Validate(LlcOptions options)
    {
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message.Replace("LLC ", "--", StringComparison.Ordinal).Replace("The SGLD step size ε", "--step-size", StringComparison.Ordinal).Replace("The localisation γ", "--localization", StringComparison.Ordinal).Replace("nβ must", "--nbeta must", StringComparison.Ordinal)); }
    }

    static double? Finite(double v) => double.IsFinite(v) ? v : null;

    static string F(double v) => double.IsFinite(v) ? v.ToString("G4", CultureInfo.InvariantCulture) : "—";
}
