using PhaseScope.Monitoring;
using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// The training loop's side of the monitor's micro-batch protocol (<see cref="IMicroBatchProbe"/>, seed 003 §11's C_α from
/// k micro-batches), the first part of <see cref="MonitoredLoop"/>'s <c>Backward</c>: when a probe asks for k parts
/// (<see cref="PhaseMonitor.MicroBatchesDue"/>) the batch is cut into k equal parts, each part's objective scaled by 1/k and
/// backpropagated into the same <c>.grad</c> (so the accumulated gradient is the whole batch's, up to float rounding),
/// with <see cref="PhaseMonitor.AfterMicroBatch"/> after each; a batch that k does not divide (a short last batch) is
/// backpropagated whole and the probes skip the step (<see cref="PhaseMonitor.MicroBatchesUnavailable"/>).
/// </summary>
public static class MicroBatchBackward
{
    /// <summary>Backpropagates the step's batch; returns its data loss (the mean of the parts' losses when split).</summary>
    /// <param name="monitor">The monitor (null: the batch is backpropagated whole).</param>
    /// <param name="step">The step (1-based).</param>
    /// <param name="x">The batch's inputs.</param>
    /// <param name="y">The batch's targets.</param>
    /// <param name="objective">For a batch (or part): the tensor to backpropagate and the data loss to report (the same
    /// tensor when the objective is the loss alone; the loss plus a penalty such as EWC's otherwise).</param>
    public static Tensor Run(PhaseMonitor? monitor, long step, Tensor x, Tensor y, Func<Tensor, Tensor, (Tensor Objective, Tensor Loss)> objective)
    {
        int k = monitor?.MicroBatchesDue(step) ?? 1;
        long b = x.shape[0];
        if (k > 1 && b % k == 0)
        {
            long part = b / k;
            double total = 0;
            var dtype = ScalarType.Float32;
            for (int j = 0; j < k; j++)
            {
                using (NewDisposeScope())   // the part's activations go once its backward is done
                {
                    var (o, loss) = objective(x.narrow(0, j * part, part), y.narrow(0, j * part, part));
                    KeptScalar.Div(o, k).backward();
                    // Read in the loss's own dtype (a float64 model's loss is float64; item<float> would throw there).
                    dtype = loss.dtype;
                    total += dtype switch
                    {
                        ScalarType.Float32 => loss.item<float>(),
                        ScalarType.Float64 => loss.item<double>(),
                        _ => loss.detach().to_type(ScalarType.Float32).item<float>(),
                    };
                }
                monitor!.AfterMicroBatch(step, j);
            }
            return tensor(total / k, dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32);
        }
        if (k > 1) monitor!.MicroBatchesUnavailable(step);
        using var whole = NewDisposeScope();
        var (objectiveTensor, wholeLoss) = objective(x, y);
        objectiveTensor.backward();
        return wholeLoss.MoveToOuterDisposeScope();
    }
}
