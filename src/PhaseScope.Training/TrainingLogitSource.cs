using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// <see cref="ILogitSource"/> over a task's training set: the model's logits on about <paramref name="maxRows"/> scored rows
/// (every training sequence when the set is smaller, else sequences i·⌊n/k⌋ with k = max(1, maxRows ÷ positions per sequence)),
/// last position for last-position tasks, every scored position otherwise (so a language model's 128-token sequences give
/// k = 32 sequences, not 4,096), in the dtype the training loss sees them (<paramref name="float64"/>: cast to float64 first, as
/// <see cref="Objective.Loss(Tensor, Tensor, bool, bool)"/> does under <see cref="TrainerOptions.Float64Softmax"/>). In eval mode, without a graph.
/// </summary>
public sealed class TrainingLogitSource(TaskData task, nn.Module<Tensor, Tensor> model, int maxRows = 4096, bool float64 = false) : ILogitSource
{
    /// <inheritdoc />
    public (Tensor Logits, Tensor Targets) TrainingLogits()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        bool training = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            long positions = task.PerPosition && task.TrainTargets.ndim > 1 ? task.TrainTargets.shape[1] : 1;
            var (x, y) = RowSample.Of(task.TrainInputs, task.TrainTargets, Math.Max(1, maxRows / positions));
            var logits = model.call(x);
            if (float64) logits = logits.to_type(ScalarType.Float64);
            if (!task.PerPosition) return (logits.select(1, -1), y);
            var flat = logits.reshape(-1, logits.shape[^1]);
            var targets = y.reshape(-1);
            var keep = KeptScalar.With(TaskData.IgnoreIndex, s => targets.ne(s)).nonzero().squeeze(1);
            return (flat.index_select(0, keep), targets.index_select(0, keep));
        }
        finally
        {
            if (training) model.train();
        }
    }
}
