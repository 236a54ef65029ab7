using PhaseScope.Monitoring;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// <see cref="ILossSource"/> over the training set: the loss (with graph) of the model on a mini-batch
/// drawn with its own generator seeded by the batch seed, so it never disturbs the trainer's batches.
/// </summary>
public sealed class TrainingLossSource(TaskData task, TorchSharp.torch.nn.Module<Tensor, Tensor> model, int batchSize) : ILossSource
{
    /// <inheritdoc />
    public Tensor LossOnBatch(long batchSeed)
    {
        using var g = new Generator((ulong)batchSeed);
        long n = task.TrainCount;
        using var idx = randperm(n, generator: g).narrow(0, 0, Math.Min(batchSize, n));
        using var x = task.TrainInputs.index_select(0, idx);
        using var y = task.TrainTargets.index_select(0, idx);
        using var logits = model.call(x);
        return Objective.Loss(logits, y, task.PerPosition);
    }
}
