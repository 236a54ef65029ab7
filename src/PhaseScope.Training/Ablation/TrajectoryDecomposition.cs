using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Training.Ablation;

/// <summary>
/// Seed 001 §28 (Test 8) over a run's checkpoints: at every timepoint t and window size W, the window of W updates centred
/// at t (<see cref="DecompositionWindow"/>), its Gram in float64 (<see cref="TrajectoryWindow"/>), and the predicted
/// against actual per-direction change of the test loss (<see cref="DirectionImportance"/>), beside the whole first-order
/// change ⟨∇L_test(θ_t), θ_{t+h} − θ_t⟩ (every direction, inside the window's span or not) and the measured change
/// L_test(θ_{t+h}) − L_test(θ_t), over h = (W/2)·s and h = W·s. Reads one timepoint's checkpoints at a time.
/// </summary>
public static class TrajectoryDecomposition
{
    /// <summary>One timepoint and window.</summary>
    /// <param name="Timepoint">t.</param>
    /// <param name="Window">W.</param>
    /// <param name="Importance">The per-direction score.</param>
    /// <param name="FirstOrderHalf">⟨∇L_test(θ_t), θ_{t+(W/2)s} − θ_t⟩.</param>
    /// <param name="FirstOrderNext">⟨∇L_test(θ_t), θ_{t+Ws} − θ_t⟩.</param>
    /// <param name="LossChangeHalf">L_test(θ_{t+(W/2)s}) − L_test(θ_t).</param>
    /// <param name="LossChangeNext">L_test(θ_{t+Ws}) − L_test(θ_t).</param>
    /// <param name="TestLoss">L_test(θ_t).</param>
    public sealed record Row(long Timepoint, int Window, DirectionImportance Importance, double FirstOrderHalf, double FirstOrderNext,
        double LossChangeHalf, double LossChangeNext, double TestLoss);

    /// <summary>Every (t, W) in order of t, then W. <paramref name="checkpoint"/> names the model file at a step; every
    /// step the windows need must exist (the caller checks: <see cref="DecompositionWindow.FirstMissing"/>); where the next
    /// window's end does not, its figures are NaN.</summary>
    public static List<Row> Run(CheckpointGradients gradients, Func<long, string> checkpoint, IReadOnlyList<long> timepoints,
        IReadOnlyList<int> windows, long stride, double learningRate, Action<string>? progress = null)
    {
        var rows = new List<Row>();
        foreach (long t in timepoints)
        {
            var theta = new Dictionary<long, Tensor>();
            var loss = new Dictionary<long, double>();
            try
            {
                Tensor At(long step) => theta.TryGetValue(step, out var v) ? v : theta[step] = gradients.Parameters(checkpoint(step));
                double LossAt(long step) => loss.TryGetValue(step, out var v) ? v : loss[step] = gradients.TestLoss(checkpoint(step));
                var (_, trainGradient, testLoss, testGradient) = gradients.At(checkpoint(t));
                using (trainGradient)
                using (testGradient)
                {
                    loss[t] = testLoss;
                    foreach (int w in windows)
                    {
                        var window = DecompositionWindow.Of(t, w, stride);
                        rows.Add(Score(window, checkpoint, At, LossAt, trainGradient, testGradient, learningRate));
                        progress?.Invoke($"t = {t}, W = {w}: ρ with γ̂ {rows[^1].Importance.RhoWith:F3}, without {rows[^1].Importance.RhoWithout:F3}");
                    }
                }
            }
            finally
            {
                foreach (var v in theta.Values) v.Dispose();
            }
        }
        return rows;
    }

    static Row Score(DecompositionWindow window, Func<long, string> checkpointPath, Func<long, Tensor> theta, Func<long, double> loss, Tensor trainGradient, Tensor testGradient, double learningRate)
    {
        var steps = window.WindowSteps();
        using var trajectory = new TrajectoryWindow(window.Size, trainGradient.shape[0], ScalarType.Float64);
        for (int i = 1; i < steps.Length; i++)
        {
            using var update = theta(steps[i]).sub(theta(steps[i - 1]));
            var pushed = trajectory.Push(update, steps[i]);
            if (!pushed.Accepted) throw new InvalidDataException($"The checkpoint at step {steps[i]}: {pushed.Rejection}.");
        }
        var centre = theta(window.Timepoint);
        using var half = theta(window.End).sub(centre);
        bool hasNext = File.Exists(checkpointPath(window.NextEnd));
        using var next = hasNext ? theta(window.NextEnd).sub(centre) : null;
        var importance = DirectionImportance.Score(trajectory.Gram(), trajectory.Project(trainGradient), trajectory.Project(testGradient),
            trajectory.Project(half), next is null ? null : trajectory.Project(next), learningRate, trajectory.RankTolerance);
        double Dot(Tensor a, Tensor b) { using var d = a.dot(b); return d.item<double>(); }
        double l0 = loss(window.Timepoint);
        return new Row(window.Timepoint, window.Size, importance, Dot(testGradient, half), next is null ? double.NaN : Dot(testGradient, next),
            loss(window.End) - l0, hasNext ? loss(window.NextEnd) - l0 : double.NaN, l0);
    }
}
