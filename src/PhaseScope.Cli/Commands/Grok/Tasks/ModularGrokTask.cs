using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Training;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Grok.Tasks;

/// <summary>
/// Modular arithmetic (<c>--task modular</c>): a ∘ b mod p for one operation, or with <c>--multitask</c> several
/// operations in one model, each with its own test rows. Reference setup (docs/SETUPS.md): p = 97, half the pairs
/// train, 2 layers of d_model 128, 4 heads, d_ff 256, batch 512, lr 1e-3, weight decay 1; seed 001's spectral window
/// W = 10 every 100 steps (its authors' code).
/// </summary>
public sealed class ModularGrokTask : GrokTask
{
    /// <inheritdoc />
    public override string Name => "modular";

    /// <inheritdoc />
    public override TaskDefaults Defaults { get; } = new(2, 128, 4, 256, 1e-3, 512, 10, 100, 8);

    /// <summary>
    /// <c>seed001-test7</c>, the model of seed 001's Test 7 on modular arithmetic (§27: "1-layer transformer, 400K
    /// parameters"; the seed gives no widths): one layer, d_model 176, 4 heads, d_ff 704 = 4·d_model, which is 409,649
    /// parameters at p = 97 (the reference model, 2 layers of d_model 128 and d_ff 256, has about 290K).
    /// </summary>
    public override IReadOnlyList<ModelPreset> Presets { get; } =
    [
        new("seed001-test7", d => d with { Layers = 1, DModel = 176, Heads = 4, DFf = 704 },
            task => $"--preset seed001-test7 is the modular-arithmetic model of seed 001's Test 7; it does not apply to --task {task}."),
    ];

    /// <inheritdoc />
    public override bool HasOperations => true;

    /// <inheritdoc />
    public override string RunNamePart(GrokSettings s) => string.Create(CultureInfo.InvariantCulture, $"mod-{s.OperationName}-p{s.P}");

    /// <inheritdoc />
    public override void Validate(GrokSettings s)
    {
        foreach (var op in s.Multitask ?? [s.Operation]) ModularArithmetic.Validate(s.P, op, s.TrainFraction);
    }

    /// <inheritdoc />
    public override void AddConfig(GrokSettings s, IDictionary<string, string> config)
    {
        config["op"] = s.OperationName;
        config["p"] = s.P.ToString(CultureInfo.InvariantCulture);
        config["train_fraction"] = s.TrainFraction.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>With <c>--multitask</c>, each operation's test accuracy and grok step (<see cref="TaskAccuracyProbe"/>).</summary>
    public override IEnumerable<IProbe> Probes(GrokSettings s, TaskData data, nn.Module<Tensor, Tensor> model) =>
        s.Multitask is null ? [] : [new TaskAccuracyProbe(data, model, s.Trainer.GrokThreshold)];

    /// <inheritdoc />
    public override TaskData CreateData(GrokSettings s) => s.Multitask is { } ops
        ? ModularArithmetic.CreateMultitask(s.P, ops, s.TrainFraction, s.DataSeed)
        : ModularArithmetic.Create(s.P, s.Operation, s.TrainFraction, s.DataSeed);
}
