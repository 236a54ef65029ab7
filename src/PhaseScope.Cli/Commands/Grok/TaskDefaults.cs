namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// A task's reference setup (docs/SETUPS.md), used for every option the user leaves out; each
/// <see cref="Tasks.GrokTask"/> holds its own (<see cref="Tasks.GrokTask.Defaults"/>). Micro-batches for seed
/// 003's consolidation probe must divide the batch.
/// </summary>
/// <param name="Layers">Transformer blocks.</param>
/// <param name="DModel">Residual width.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="DFf">MLP width.</param>
/// <param name="LearningRate">AdamW's learning rate.</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="SpectralWindow">Seed 001's window W (its authors' code).</param>
/// <param name="SpectralStride">Steps per update of seed 001's window.</param>
/// <param name="MicroBatches">Seed 003's k micro-batches per batch.</param>
/// <param name="WeightDecay">Decoupled weight decay.</param>
/// <param name="Context">Context length in tokens (0: the task takes no <c>--context</c>).</param>
public sealed record TaskDefaults(int Layers, int DModel, int Heads, int DFf, double LearningRate, int BatchSize,
    int SpectralWindow, int SpectralStride, int MicroBatches, double WeightDecay = 1.0, int Context = 0)
{
    /// <summary>The largest k in 8…2 that divides a batch of <paramref name="batch"/> (null: none does): the micro-batch count
    /// of a consolidation probe that is on by default (<c>grok</c>'s when 8 does not divide its batch, <c>forget</c>'s).</summary>
    public static int? DividingMicroBatches(long batch) => PhaseScope.Monitoring.Probes.ConsolidationOptions.DividingMicroBatches(batch);
}
