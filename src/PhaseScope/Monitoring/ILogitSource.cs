using static TorchSharp.torch;

namespace PhaseScope.Monitoring;

/// <summary>
/// The model's logits on training examples at the current θ, for probes that read the output layer's numerics
/// (softmax absorption, docs/INSTABILITY.md). Rows are scored examples (one per sequence for last-position tasks, one per
/// scored position otherwise), computed as the training loss computes them (same dtype), without a graph.
/// </summary>
public interface ILogitSource
{
    /// <summary>Logits [N, C] and int64 targets [N] (new tensors, owned by the caller's dispose scope).</summary>
    (Tensor Logits, Tensor Targets) TrainingLogits();
}
