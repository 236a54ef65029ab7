using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// <see cref="ILogitSource"/> over a task's training set: the model's logits on at most <paramref name="maxRows"/> training
/// rows (every row when the set is smaller, else rows i·⌊n/k⌋), last position for last-position tasks, every scored position
/// otherwise, in the dtype the training loss sees them (<paramref name="float64"/>: cast to float64 first, as
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
            long n = task.TrainCount;
            Tensor x, y;
            if (n <= maxRows) (x, y) = (task.TrainInputs.alias(), task.TrainTargets.alias());
            else
            {
                long stride = n / maxRows;
                using var rows = arange(0L, maxRows * stride, stride, ScalarType.Int64, task.TrainInputs.device);
                (x, y) = (task.TrainInputs.index_select(0, rows), task.TrainTargets.index_select(0, rows));
            }
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
