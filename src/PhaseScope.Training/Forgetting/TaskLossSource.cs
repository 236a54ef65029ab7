using PhaseScope.Monitoring;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PhaseScope.Training.Forgetting;

/// <summary>
/// <see cref="ILossSource"/> over the training set of the task being trained now (split MNIST switches it at the task
/// switch): the cross-entropy of the model on a mini-batch drawn with its own generator seeded by the batch seed, so the
/// curvature and consolidation probes never disturb the run's batch order. The loss is the data term only (no EWC
/// penalty): the probes measure the task's loss landscape.
/// </summary>
public sealed class TaskLossSource(Module<Tensor, Tensor> model, int batchSize) : ILossSource
{
    /// <summary>The task whose training set the batches come from (set by the experiment).</summary>
    public SplitMnist.Split? Task { get; set; }

    /// <inheritdoc />
    public Tensor LossOnBatch(long batchSeed) => LossOnBatch(batchSeed, batchSize);

    /// <inheritdoc />
    public Tensor LossOnBatch(long batchSeed, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var task = Task ?? throw new InvalidOperationException("No task is being trained yet.");
        using var g = new Generator((ulong)batchSeed);
        long n = task.TrainInputs.shape[0];
        using var idx = randperm(n, generator: g).narrow(0, 0, Math.Min(size, n));
        using var x = task.TrainInputs.index_select(0, idx);
        using var y = task.TrainLabels.index_select(0, idx);
        using var logits = model.call(x);
        return functional.cross_entropy(logits, y);
    }
}
