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
}
