using PhaseScope.Runtime;
using PhaseScope.Training.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>Cross-entropy and accuracy for last-position or per-position targets.</summary>
public static class Objective
{
    /// <summary>Mean cross-entropy; per-position targets skip <see cref="TaskData.IgnoreIndex"/>. With <paramref name="float64"/>
    /// the logits are cast to float64 first, so the softmax, its normaliser and the loss are float64, and the loss is returned
    /// in the logits' dtype (the backward pass casts the logits' gradient, computed in float64, back to their dtype: a
    /// correct-class gradient of 10⁻¹⁰ survives as a float32 number); everything before the logits is unchanged.</summary>
    public static Tensor Loss(Tensor logits, Tensor targets, bool perPosition, bool float64)
    {
        if (!float64 || logits.dtype == ScalarType.Float64) return Loss(logits, targets, perPosition);
        using var wide = logits.to_type(ScalarType.Float64);
        using var loss = Loss(wide, targets, perPosition);
        return loss.to_type(logits.dtype);
    }

    /// <summary>Mean cross-entropy; per-position targets skip <see cref="TaskData.IgnoreIndex"/>.</summary>
    public static Tensor Loss(Tensor logits, Tensor targets, bool perPosition)
    {
        if (perPosition)
        {
            using var flat = logits.reshape(-1, logits.shape[^1]);
            using var t = targets.reshape(-1);
            return nn.functional.cross_entropy(flat, t, ignore_index: TaskData.IgnoreIndex);
        }
        using var last = logits.select(1, -1);
        return nn.functional.cross_entropy(last, targets);
    }

    /// <summary>
    /// Drops the trailing decoder positions that no row of the batch scores (all <see cref="TaskData.IgnoreIndex"/>) from
    /// targets [B, T] and inputs [B, S + T]. For a causal model this changes no scored logit (a position never sees later
    /// ones) and saves the work on padding: SCAN's decoder is padded to 49 positions, most batches need far fewer.
    /// </summary>
    /// <returns>Views of the inputs and targets (the originals when nothing can be dropped).</returns>
    public static (Tensor Inputs, Tensor Targets) TrimTrailingPadding(Tensor inputs, Tensor targets, int sourceLength)
    {
        long t = targets.shape[1];
        using var scored = KeptScalar.With(TaskData.IgnoreIndex, s => targets.ne(s)).any(0).to_type(ScalarType.Int64);
        using var stop = (t + 1).ToScalar();
        using var positions = arange(KeptScalar.One, stop, KeptScalar.One, ScalarType.Int64, targets.device);
        using var last = scored.mul(positions).max();
        long keep = Math.Max(1, last.item<long>());
        return keep == t ? (inputs.alias(), targets.alias()) : (inputs.narrow(1, 0, sourceLength + keep), targets.narrow(1, 0, keep));
    }

    /// <summary>Mean loss, token accuracy and sequence accuracy over a whole set, in chunks.</summary>
    /// <returns>Loss per scored target; the share of scored targets predicted right; the share of
    /// sequences whose scored targets are all right (equal to the token accuracy for last-position tasks).</returns>
    /// <remarks>With <c>trimSource</c> (a task's source length) each chunk's trailing padding is dropped first
    /// (<see cref="TrimTrailingPadding"/>; null: never).</remarks>
    public static (double Loss, double TokenAccuracy, double SequenceAccuracy) Measure(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor targets,
        bool perPosition, int chunk = 4096, int? trimSource = null)
    {
        double lossSum = 0, correct = 0, scored = 0, sequencesRight = 0;
        long n = inputs.shape[0];
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(chunk, n - start);
            var x = inputs.narrow(0, start, len);
            var y = targets.narrow(0, start, len);
            if (trimSource is int source) (x, y) = TrimTrailingPadding(x, y, source);
            var logits = model.call(x);
            if (!perPosition)
            {
                logits = logits.select(1, -1);
                y = y.unsqueeze(1);
                logits = logits.unsqueeze(1);
            }
            // logits [B, T, C], y [B, T]
            var mask = KeptScalar.With(TaskData.IgnoreIndex, s => y.ne(s));
            var right = logits.argmax(-1).eq(y).logical_and(mask);
            long count = mask.sum().item<long>();
            lossSum += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), y.reshape(-1),
                ignore_index: TaskData.IgnoreIndex, reduction: nn.Reduction.Sum).item<float>();
            correct += right.sum().item<long>();
            scored += count;
            sequencesRight += right.logical_or(mask.logical_not()).all(1).sum().item<long>();
        }
        return scored == 0 ? (double.NaN, double.NaN, double.NaN) : (lossSum / scored, correct / scored, sequencesRight / n);
    }
}
