using PhaseScope.Training.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>Cross-entropy and accuracy for last-position or per-position targets.</summary>
public static class Objective
{
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

    /// <summary>Mean loss and accuracy over a whole set, in chunks of <paramref name="chunk"/> rows.</summary>
    public static (double Loss, double Accuracy) Measure(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor targets, bool perPosition, int chunk = 4096)
    {
        double lossSum = 0, correct = 0, scored = 0;
        long n = inputs.shape[0];
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(chunk, n - start);
            var x = inputs.narrow(0, start, len);
            var y = targets.narrow(0, start, len);
            var logits = model.call(x);
            Tensor flatLogits, flatY;
            if (perPosition)
            {
                flatLogits = logits.reshape(-1, logits.shape[^1]);
                flatY = y.reshape(-1);
            }
            else
            {
                flatLogits = logits.select(1, -1);
                flatY = y;
            }
            var mask = flatY.ne(TaskData.IgnoreIndex);
            long count = mask.sum().item<long>();
            if (count == 0) continue;
            lossSum += nn.functional.cross_entropy(flatLogits, flatY, ignore_index: TaskData.IgnoreIndex, reduction: nn.Reduction.Sum).item<float>();
            correct += flatLogits.argmax(-1).eq(flatY).logical_and(mask).sum().item<long>();
            scored += count;
        }
        return scored == 0 ? (double.NaN, double.NaN) : (lossSum / scored, correct / scored);
    }
}
