using TorchSharp;

namespace PhaseScope.Monitoring;

/// <summary>
/// Evaluates the training loss at the current parameters on batches other than the step's
/// (seed 003 §11 draws n extra mini-batches at fixed θ). The returned loss carries an autograd
/// graph so a probe can take gradients of it.
/// </summary>
public interface ILossSource
{
    /// <summary>Loss (scalar, with graph) on a mini-batch drawn with <paramref name="batchSeed"/>.</summary>
    torch.Tensor LossOnBatch(long batchSeed);

    /// <summary>Loss (scalar, with graph) on a mini-batch of at most <paramref name="batchSize"/> examples drawn with
    /// <paramref name="batchSeed"/>. Sources that cannot choose the size throw <see cref="NotSupportedException"/>.</summary>
    torch.Tensor LossOnBatch(long batchSeed, int batchSize) =>
        throw new NotSupportedException($"{GetType().Name} draws batches of one size only; it cannot give a {batchSize}-example batch.");
}
