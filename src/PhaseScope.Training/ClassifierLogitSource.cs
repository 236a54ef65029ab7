using PhaseScope.Monitoring;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// <see cref="ILogitSource"/> over a classifier's training rows: a model that maps inputs [N, …] to logits [N, C] (the mnist
/// MLP), on about <paramref name="maxRows"/> rows (every row when the set is no larger, else rows i·⌊N/k⌋, i = 0 … k − 1,
/// k = <paramref name="maxRows"/>: <see cref="RowSample"/>, as <see cref="TrainingLogitSource"/>), in the dtype its cross-entropy loss
/// sees them: the model's own, or float64 (<paramref name="float64"/>: cast first, as a float64 softmax does). In eval
/// mode, without a graph; the model's mode is restored.
/// </summary>
public sealed class ClassifierLogitSource(Tensor inputs, Tensor targets, nn.Module<Tensor, Tensor> model, int maxRows = 4096, bool float64 = false) : ILogitSource
{
    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The row bound below 1.</exception>
    /// <exception cref="ArgumentException">Inputs and targets of different row counts, or targets that are not one class per row.</exception>
    public (Tensor Logits, Tensor Targets) TrainingLogits()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        if (targets.ndim != 1 || inputs.ndim < 1 || inputs.shape[0] != targets.shape[0])
            throw new ArgumentException($"A classifier's logit source needs one class per input row; got inputs [{string.Join(", ", inputs.shape)}] and targets [{string.Join(", ", targets.shape)}].");
        bool training = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var (x, y) = RowSample.Of(inputs, targets, maxRows);
            return (InLossDtype(model.call(x)), y);
        }
        finally
        {
            if (training) model.train();
        }
    }

    Tensor InLossDtype(Tensor logits) => float64 && logits.dtype != ScalarType.Float64 ? logits.to_type(ScalarType.Float64) : logits;
}
