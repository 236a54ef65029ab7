using PhaseScope.Training.Tasks;

namespace PhaseScope.Cli.Commands.Grok.Tasks;

/// <summary>
/// Dyck-1 (<c>--task dyck</c>): is a bracket sequence balanced, read by a causal transformer. Reference setup
/// (docs/SETUPS.md): 50 training sequences in one full batch, 2 layers of d_model 128, 4 heads, d_ff 256, GELU;
/// seed 001's spectral window W = 3 every 200 steps (its authors' code). Seed 003's micro-batches must divide the batch
/// of 50: 5.
/// </summary>
public sealed class DyckGrokTask : GrokTask
{
    /// <inheritdoc />
    public override string Name => "dyck";

    /// <inheritdoc />
    public override TaskDefaults Defaults { get; } = new(2, 128, 4, 256, 1e-3, 50, 3, 200, 5);

    /// <inheritdoc />
    public override string RunNamePart(GrokSettings s) => "dyck";

    /// <inheritdoc />
    public override TaskData CreateData(GrokSettings s) => Dyck1.Create(s.DataSeed);
}
