using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

public class MomentsProbeTests
{
    /// <summary>C(K,K) for θ = [2, 1] and g = [g0, g1], straight from the definitions (seed 000, eq. 16).</summary>
    static double Coupling(double k, double g0, double g1) =>
        Math.Log((Math.Pow(2 * g0, k) + Math.Pow(g1, k)) / 2) - Math.Log((Math.Pow(2, k) + 1) / 2) - Math.Log((Math.Pow(g0, k) + Math.Pow(g1, k)) / 2);

    /// <summary>Steps 1, 2, …: L = Σ θ⊙k_t, so the gradient at step t is exactly <paramref name="grads"/>[t − 1].</summary>
    static void Train(PhaseMonitor monitor, Parameter theta, double[][] grads)
    {
        for (int step = 1; step <= grads.Length; step++)
        {
            using (var old = theta.grad) old?.zero_();
            using var k = tensor(grads[step - 1]);
            using var loss = (theta * k).sum();
            loss.backward();
            monitor.AfterBackward(step, loss);
            monitor.AfterStep(step);
        }
    }

    [Fact]
    public void OrderEventsFollowTheIntersectionOfExtremalSets()
    {
        // L = Σ θ⊙k_t gives g = k_t. θ = [2, 1] (J_max = {0}); g = [1, 3] puts I_max at 1 (m∩ = 0),
        // g = [3, 1] at 0 (m∩ = 1). Steps: disordered, ordered, disordered.
        var theta = new Parameter(tensor(new double[] { 2, 1 }));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new NamedParameter("w", theta)],
            [new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1), Orders = [32, 16], QHatJump = 0.5, PerTensor = true })], [sink]);
        Train(monitor, theta, [[1, 3], [3, 1], [1, 3]]);

        Assert.Equal([0.0, 1.0, 0.0], sink.Metrics.Where(m => m.Name == "moments/m_cap").Select(m => m.Value));
        Assert.Equal(
            [(2L, "order_gained"), (2L, "q_hat_jump"), (3L, "order_lost"), (3L, "q_hat_jump")],
            sink.Events.Select(e => (e.Step, e.Kind)));
        Assert.Equal(-Coupling(32, 1, 3) / Math.Log(32), sink.Value(1, "moments/q_hat@32"), 9);
        Assert.Equal(-Coupling(32, 3, 1) / Math.Log(32), sink.Value(2, "moments/q_hat@32"), 9);
        Assert.Equal(Coupling(16, 1, 3), sink.Value(3, "moments/C_diag@16"), 9);
        Assert.Equal(Math.Log(2), sink.Value(1, "moments/d0"), 12);   // log(2·3) − max(log 2, log 3)
        Assert.Equal(0.0, sink.Value(2, "moments/d0"));
        Assert.Equal(sink.Value(2, "moments/m_cap"), sink.Value(2, "moments/m_cap/w"));
    }

    [Fact]
    public void SnapshotsCarryThePlaneTheRankSampleAndTheSurface()
    {
        // θ = [2, 1]; g = [3, 1] ranks like θ (ρ = +1), g = [1, 3] against it (ρ = −1).
        var theta = new Parameter(tensor(new double[] { 2, 1 }));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new NamedParameter("w", theta)],
            [new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1), Snapshots = true, SampleSize = 10, SurfaceOrders = [0, 4, 8] })], [sink]);
        Train(monitor, theta, [[3, 1], [1, 3]]);
        Assert.Equal(1.0, sink.Value(1, "moments/spearman"), 12);
        Assert.Equal(-1.0, sink.Value(2, "moments/spearman"), 12);
        // (λ, μ) at step 1: (0, 0) and (log 2, log 3): one of two pairs at the origin cell [0, 0.5)².
        Assert.Equal(0.5, sink.Value(1, "moments/origin_mass"), 12);
        Assert.Equal(["moments/plane", "moments/rank_sample", "moments/surface"], sink.Snapshots.Where(s => s.Step == 1).Select(s => s.Name).Order());
        using var surface = System.Text.Json.JsonDocument.Parse(sink.Snapshots.Single(s => s.Step == 2 && s.Name == "moments/surface").Json);
        double c44 = surface.RootElement.GetProperty("c")[1][1].GetDouble();
        Assert.Equal(Coupling(4, 1, 3), c44, 4);
        using var sample = System.Text.Json.JsonDocument.Parse(sink.Snapshots.Single(s => s.Step == 2 && s.Name == "moments/rank_sample").Json);
        Assert.Equal(2, sample.RootElement.GetProperty("points").GetArrayLength());
    }

    [Fact]
    public void GlobalStatisticsMergeAcrossTensors()
    {
        // θ_max = 4 lives in tensor b, g_max = 5 in tensor a: disjoint globally although each tensor alone is ordered.
        var a = new Parameter(tensor(new double[] { 3, 1 }));
        var b = new Parameter(tensor(new double[] { 4, 1 }));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new NamedParameter("a", a), new NamedParameter("b", b)],
            [new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1), PerTensor = true })], [sink]);
        using var ka = tensor(new double[] { 5, 1 });
        using var kb = tensor(new double[] { 2, 1 });
        using var loss = (a * ka).sum() + (b * kb).sum();
        loss.backward();
        monitor.AfterBackward(1, loss);
        Assert.Equal(1.0, sink.Value(1, "moments/m_cap/a"));
        Assert.Equal(1.0, sink.Value(1, "moments/m_cap/b"));
        Assert.Equal(0.0, sink.Value(1, "moments/m_cap"));
        // d₀ = log(4·5) − max_i log(|θ_i||g_i|) = log 20 − log 15.
        Assert.Equal(Math.Log(20.0 / 15), sink.Value(1, "moments/d0"), 12);
    }

    [Fact]
    public void ProbesSharingGradientsInOneCallAllSeeThem()
    {
        // Regression: the gradient handle read by the first probe must survive that probe's dispose scope.
        var theta = new Parameter(tensor(new double[] { 2, 1 }));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new NamedParameter("w", theta)],
            [new GradientNormProbe(), new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1) }), new GradientSum()], [sink]);
        using var k = tensor(new double[] { 4, 3 }); // g_max at index 0, with θ_max: m∩ = 1
        using var loss = (theta * k).sum();
        loss.backward();
        monitor.AfterBackward(1, loss);
        Assert.Empty(sink.Events);
        Assert.Equal(5.0, sink.Value(1, "grad_norm"), 12);
        Assert.Equal(7.0, sink.Value(1, "grad_sum"), 12);
        Assert.Equal(1.0, sink.Value(1, "moments/m_cap"));
    }

    /// <summary>A third probe reading the same gradients.</summary>
    sealed class GradientSum : IProbe
    {
        public string Name => "grad_sum";
        public ProbeNeeds Needs => ProbeNeeds.Gradients;
        public ProbeSchedule Schedule => ProbeSchedule.Every(1);
        public void Observe(ProbeContext context, ProbeOutput output) =>
            output.Metric("grad_sum", context.Gradient(0)!.sum().item<double>());
    }

    [Fact]
    public void NonFiniteGradientsGiveAnEventAndTheNextStepIsMeasured()
    {
        // Step 1: g = [NaN, 1] → event, no metrics; step 2: g = [3, 1] → ordered (m∩ = 1), phase 0.
        var theta = new Parameter(tensor(new double[] { 2, 1 }));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new NamedParameter("w", theta)], [new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1), Orders = [16, 32] })], [sink]);
        Train(monitor, theta, [[double.NaN, 1], [3, 1]]);
        Assert.Equal([(1L, "non_finite_values")], sink.Events.Select(e => (e.Step, e.Kind)));
        Assert.DoesNotContain(sink.Metrics, m => m.Step == 1 && m.Name.StartsWith("moments/", StringComparison.Ordinal));
        Assert.Equal(1.0, sink.Value(2, "moments/m_cap"));
        Assert.Equal(0.0, sink.Value(2, "moments/phase"));
    }
}
