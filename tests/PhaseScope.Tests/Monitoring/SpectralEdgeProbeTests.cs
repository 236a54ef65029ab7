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
        Assert.Contains(sink.Metrics, m => m.Step == 6 && m.Name == "spectral/sigma_1" && double.IsFinite(m.Value));
        Assert.DoesNotContain(sink.Events, e => e.Kind == "probe_failed");
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
        monitor.OnEvaluation(10, new EvaluationResult(1, 0.5, 1, 0.5));
        Assert.Equal(2.0, sink.Value(10, "weights/l.q_proj.weight/ratio12"), 1e-6);
        Assert.Equal(21.0 / 16, sink.Value(10, "weights/l.q_proj.weight/stable_rank"), 1e-6);
        Assert.Equal(2.0, sink.Value(10, "attn_op/l/ratio12"), 1e-9);
        Assert.Equal(2.0, sink.Value(10, "attn_op/l/ratio23"), 1e-9);
        Assert.DoesNotContain(sink.Metrics, m => m.Name.Contains("bias"));
    }
}
