using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

public class FaultTests
{
    /// <summary>
    /// L = Σ a⊙k_t + Σ b⊙c with SGD: ∂L/∂a = k_t, so a NaN in k_2 and k_3 makes a's gradient NaN at
    /// steps 2–3 and finite again at step 4, while a itself (and hence its update) stays NaN from step 2
    /// on. b's gradient is all zero (c = 0); "frozen" has no gradient at all.
    /// </summary>
    [Fact]
    public void NonFiniteValuesAreFlaggedOncePerTransitionAndTrainingGoesOn()
    {
        var a = new Parameter(tensor(new double[] { 1, 2 }));
        var b = new Parameter(tensor(new double[] { 3 }));
        var frozen = new Parameter(tensor(new double[] { 5, 5 }), requires_grad: false);
        using var c = tensor(new double[] { 0 });
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor(
            [new NamedParameter("a", a), new NamedParameter("b", b), new NamedParameter("frozen", frozen)], CheapProbes.Create(), [sink]);
        using var sgd = optim.SGD([a, b], 0.1);

        for (int step = 1; step <= 5; step++)
        {
            using var k = tensor(step is 2 or 3 ? new[] { double.NaN, 1 } : new double[] { 1, 1 });
            sgd.zero_grad();
            using var loss = (a * k).sum() + (b * c).sum();
            loss.backward();
            monitor.AfterBackward(step, loss);
            sgd.step();
            monitor.AfterStep(step);
        }

        Assert.Equal(
            [(2L, "non_finite_gradient"), (2L, "non_finite_update"), (2L, "non_finite_parameters"), (4L, "finite_gradient")],
            sink.Events.Select(e => (e.Step, e.Kind)));
        Assert.Contains("a", sink.Events[0].Message);
        Assert.DoesNotContain("probe_failed", sink.Events.Select(e => e.Kind));
        // Every probe ran at every step; the frozen tensor has no gradient metric, and its update is 0.
        Assert.Equal(5, sink.Metrics.Count(m => m.Name == "grad_norm"));
        Assert.DoesNotContain(sink.Metrics, m => m.Name == "grad_norm/frozen");
        Assert.All(sink.Metrics.Where(m => m.Name is "grad_norm/b" or "update_norm/frozen" or "update_norm/b"), m => Assert.Equal(0, m.Value));
        Assert.True(double.IsNaN(sink.Value(5, "param_norm/a")));
        Assert.Equal(Math.Sqrt(50), sink.Value(5, "param_norm/frozen"), 12);
    }
}
