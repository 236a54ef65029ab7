using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Tests.SpectralEdge;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

public class SpectralEdgeProbeTests
{
    [Fact]
    public void TheProbeSeesThePlantedUpdatesOfTheSelectedTensorsOnly()
    {
        // Two watched tensors (a: 30 values, c: 20) and one ignored (b). Every 2 steps θ moves by the next planted
        // row (split over a and c); the window (W = 3, float64) then holds rows with σ = 9, 3, 1 → k* = 1, R = 3.
        double[] sigma = [9, 3, 1];
        var rows = Planted.Rows(sigma, 50, 12);
        var a = new Parameter(zeros(30, dtype: ScalarType.Float64));
        var b = new Parameter(zeros(7, dtype: ScalarType.Float64));
        var c = new Parameter(zeros(4, 5, dtype: ScalarType.Float64));
        var sink = new CollectingSink();
        var probe = new SpectralEdgeProbe(new SpectralEdgeOptions { Window = 3, Stride = 2, Tensors = "^(a|c)$", Storage = ScalarType.Float64, NullDraws = 200 });
        using var monitor = new PhaseMonitor([new("a", a), new("b", b), new("c", c)], [probe], [sink]);
        for (int step = 1; step <= 6; step++)
        {
            using (no_grad())
            {
                b.add_(1.0);   // never seen
                if (step % 2 == 0)
                {
                    var row = rows[step / 2 - 1];
                    a.add_(row.narrow(0, 0, 30));
                    c.add_(row.narrow(0, 30, 20).reshape(4, 5));
                }
            }
            monitor.AfterStep(step);
        }
        Assert.Equal(50, probe.Dimension);
        for (int j = 0; j < 3; j++) Assert.Equal(sigma[j], sink.Value(6, $"spectral/sigma_{j + 1}"), 1e-9 * sigma[0]);
        Assert.Equal(1, sink.Value(6, "spectral/k_star"));
        Assert.Equal(3.0, sink.Value(6, "spectral/gap_ratio"), 1e-9);
        Assert.Equal(81.0 - 9.0, sink.Value(6, "spectral/gap"), 1e-7);
        Assert.Empty(sink.Metrics.Where(m => m.Step < 6 && m.Name.StartsWith("spectral/")));
        Assert.Empty(sink.Events);
        foreach (var r in rows) r.Dispose();
    }

    [Fact]
    public void NonFiniteParametersAreReportedAndTheWindowRecovers()
    {
        var w = new Parameter(zeros(10));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new("w", w)],
            [new SpectralEdgeProbe(new SpectralEdgeOptions { Window = 2, Stride = 1, Tensors = "all", NullDraws = 0 })], [sink]);
        using var g = new Generator(1);
        for (int step = 1; step <= 6; step++)
        {
            using (no_grad())
            {
                if (step == 3) w[0] = float.NaN;
                else if (step == 4) w[0] = 0f;   // finite again
                else w.add_(randn([10], generator: g));
            }
            monitor.AfterStep(step);
        }
        var rejected = sink.Events.Where(e => e.Kind == "spectral_update_rejected").Select(e => e.Step).ToArray();
        // Only the update into NaN is rejected; the next one is taken from the last finite θ (step 2), so it is finite.
        Assert.Equal([3L], rejected);
        // The window at step 6 holds the random updates of steps 5 and 6 (norm ≈ √10 each): σ₁ ≥ max ‖δ‖ > 1.
        Assert.Contains(sink.Metrics, m => m.Step == 6 && m.Name == "spectral/sigma_1" && double.IsFinite(m.Value) && m.Value > 1);
        Assert.DoesNotContain(sink.Events, e => e.Kind == "probe_failed");
    }

    sealed class LinearLosses(Tensor w, Tensor train, Tensor validation) : IValidationLossSource
    {
        public Tensor LossOnBatch(long batchSeed) => (w * train).sum();
        public Tensor ValidationLossOnBatch(long batchSeed) => (w * validation).sum();
    }

    [Fact]
    public void LossDecompositionUsesTheStepGradientAndAHeldOutGradient()
    {
        // Updates 3·e1 then 2·e2: right singular vectors ±e1, ±e2. L_train = Σ w⊙k (g = k), L_val = Σ w⊙k_v (g = k_v).
        // One float64 tensor in float64 storage: the snapshot must not alias the live parameter.
        // First full window: ΔΣ undefined, so γ counts as 1 and ΔL_j = −η k_j k_v,j: −0.1·1·3 = −0.3, −0.1·(−2)·4 = 0.8.
        var w = new Parameter(zeros(4, dtype: ScalarType.Float64));
        using var k = tensor(new double[] { 1, -2, 5, 7 });
        using var kv = tensor(new double[] { 3, 4, 1, 1 });
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new("w", w)],
            [new SpectralEdgeProbe(new SpectralEdgeOptions { Window = 2, Stride = 1, Tensors = "all", Storage = ScalarType.Float64, NullDraws = 0, DecompositionModes = 2 })], [sink])
        {
            LossSource = new LinearLosses(w, k, kv),
            LearningRate = 0.1,
        };
        double[][] moves = [[3, 0, 0, 0], [0, 2, 0, 0]];
        for (int step = 1; step <= 2; step++)
        {
            using (var loss = (w * k).sum()) loss.backward();
            using (no_grad()) using (var m = tensor(moves[step - 1])) w.add_(m);
            monitor.AfterStep(step);
            w.grad?.zero_();
        }
        Assert.Empty(sink.Events);
        Assert.Equal(-0.3, sink.Value(2, "spectral/loss_change_1"), 1e-12);
        Assert.Equal(0.8, sink.Value(2, "spectral/loss_change_2"), 1e-12);
        Assert.Equal(0.5, sink.Value(2, "spectral/loss_change_total"), 1e-12);
        Assert.Equal(3.0, Math.Abs(sink.Value(2, "spectral/val_proj_1")), 1e-12);
    }

    [Fact]
    public void APatternMatchingNothingDisablesTheProbeWithAClearEvent()
    {
        var w = new Parameter(zeros(10));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new("w", w)], [new SpectralEdgeProbe(new SpectralEdgeOptions { Tensors = "nothing_here" })], [sink]);
        var e = Assert.Single(sink.Events);
        Assert.Equal("probe_failed", e.Kind);
        Assert.Contains("No tensor matches 'nothing_here'", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpectralEdgeProbe(new SpectralEdgeOptions { Window = 1 }));
    }

    [Fact]
    public void WeightSpectraProbeReportsRatiosAndTheAttentionOperator()
    {
        // q = diag(4, 2, 1), k = I: M = qᵀk = diag(4, 2, 1) → ratio12 = 2, ratio23 = 2; q's σ₁/σ₂ = 2, stable rank 21/16.
        var q = new Parameter(diag(tensor(new float[] { 4, 2, 1 })));
        var k = new Parameter(eye(3));
        var bias = new Parameter(zeros(3));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new("l.q_proj.weight", q), new("l.k_proj.weight", k), new("l.q_proj.bias", bias)],
            [new WeightSpectraProbe()], [sink]) { EvaluationEvery = 10 };
        monitor.AfterStep(9);
        Assert.Empty(sink.Metrics);   // not an evaluation step
        monitor.AfterStep(10);
        Assert.Equal(2.0, sink.Value(10, "weights/l.q_proj.weight/ratio12"), 1e-6);
        Assert.Equal(21.0 / 16, sink.Value(10, "weights/l.q_proj.weight/stable_rank"), 1e-6);
        Assert.Equal(2.0, sink.Value(10, "attn_op/l/ratio12"), 1e-9);
        Assert.Equal(2.0, sink.Value(10, "attn_op/l/ratio23"), 1e-9);
        Assert.DoesNotContain(sink.Metrics, m => m.Name.Contains("bias"));
    }
}
