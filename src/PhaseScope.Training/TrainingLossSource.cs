using PhaseScope.Monitoring;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// <see cref="ILossSource"/> over the training set (and <see cref="IValidationLossSource"/> over the test set): the loss
/// (with graph) of the model on a mini-batch drawn with its own generator seeded by the batch seed, so it never
/// disturbs the trainer's batches. With <paramref name="float64Softmax"/> the loss is computed as the trainer computes it
/// under <see cref="TrainerOptions.Float64Softmax"/>.
/// </summary>
public sealed class TrainingLossSource(TaskData task, TorchSharp.torch.nn.Module<Tensor, Tensor> model, int batchSize, bool float64Softmax = false) : IValidationLossSource
{
    /// <inheritdoc />
    public Tensor LossOnBatch(long batchSeed) => Loss(task.TrainInputs, task.TrainTargets, batchSeed, batchSize);

    /// <inheritdoc />
    public Tensor LossOnBatch(long batchSeed, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return Loss(task.TrainInputs, task.TrainTargets, batchSeed, size);
    }

    /// <inheritdoc />
    public Tensor ValidationLossOnBatch(long batchSeed) => Loss(task.TestInputs, task.TestTargets, batchSeed, batchSize);

    Tensor Loss(Tensor inputs, Tensor targets, long batchSeed, int batchSize)
    {
        using var g = new Generator((ulong)batchSeed);
        long n = inputs.shape[0];
        using var idx = randperm(n, generator: g).narrow(0, 0, Math.Min(batchSize, n));
        using var x = inputs.index_select(0, idx);
        using var y = targets.index_select(0, idx);
        using var logits = model.call(x);
        return Objective.Loss(logits, y, task.PerPosition, float64Softmax);
    }
}
