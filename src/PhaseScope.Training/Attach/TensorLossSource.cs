using PhaseScope.Monitoring;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// <see cref="ILossSource"/> (and, with held-out tensors, <see cref="IValidationLossSource"/>) over a data set held as two
/// tensors, for a loop of one's own: the loss (with graph) of <paramref name="loss"/> on a mini-batch of rows drawn with
/// a generator seeded by the batch seed, so drawing never disturbs the loop's own random state. The probes that measure
/// at fixed θ on other batches read it: seed 003's λ_max (the curvature probe's Hessian batch) and its extra-batch C_α.
/// </summary>
/// <param name="inputs">Training inputs, one example per row.</param>
/// <param name="targets">Training targets, one per row.</param>
/// <param name="loss">The scalar training loss of a batch: (inputs, targets) → loss, e.g. <c>(x, y) => criterion.call(model.call(x), y)</c>.</param>
/// <param name="batchSize">Rows per batch (at most the rows there are).</param>
/// <param name="testInputs">Held-out inputs (null: no validation loss).</param>
/// <param name="testTargets">Held-out targets.</param>
public sealed class TensorLossSource(Tensor inputs, Tensor targets, Func<Tensor, Tensor, Tensor> loss, int batchSize,
    Tensor? testInputs = null, Tensor? testTargets = null) : IValidationLossSource
{
    /// <inheritdoc />
    public Tensor LossOnBatch(long batchSeed) => Loss(inputs, targets, batchSeed, batchSize);

    /// <inheritdoc />
    public Tensor LossOnBatch(long batchSeed, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return Loss(inputs, targets, batchSeed, size);
    }

    /// <inheritdoc />
    public Tensor ValidationLossOnBatch(long batchSeed) =>
        testInputs is not null && testTargets is not null
            ? Loss(testInputs, testTargets, batchSeed, batchSize)
            : throw new NotSupportedException("This loss source was given no held-out tensors.");

    Tensor Loss(Tensor x, Tensor y, long batchSeed, int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), size, "A batch needs at least one row.");
        if (x.shape[0] != y.shape[0]) throw new ArgumentException($"Inputs have {x.shape[0]} rows but targets {y.shape[0]}.");
        using var g = new Generator((ulong)batchSeed);
        long n = x.shape[0];
        using var idx = randperm(n, generator: g).narrow(0, 0, Math.Min(size, n));
        using var xs = x.index_select(0, idx);
        using var ys = y.index_select(0, idx);
        return loss(xs, ys);
    }
}
