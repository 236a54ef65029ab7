using TorchSharp;

namespace PhaseScope.Monitoring;

/// <summary>
/// A loss source that can also evaluate the loss on held-out data at the current parameters, for probes that
/// compare training and validation gradients (seed 001, Thm. 17.1 / Test 8). The loss carries an autograd graph.
/// </summary>
public interface IValidationLossSource : ILossSource
{
    /// <summary>Loss (scalar, with graph) on a held-out mini-batch drawn with <paramref name="batchSeed"/>.</summary>
    torch.Tensor ValidationLossOnBatch(long batchSeed);
}
