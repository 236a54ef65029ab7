using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

/// <summary>
/// Issue 8's faults inside training, with every family probe that needs no loss source attached: a parameter that
/// appears (registered mid-run), one that disappears (frozen mid-run), and +Inf in a gradient (which SGD carries into
/// the parameter).
/// The monitor reports each as an event, no probe fails, and the numbers stay right for the rest.
/// </summary>
public class ParameterSetTests
{
    sealed class Growing : nn.Module
    {
        public Growing() : base("growing") { }
        public void Add(string name, Parameter p) => register_parameter(name, p);
    }

    [Fact]
    public void AppearingDisappearingAndNonFiniteParametersAreEventsAndTrainingGoesOn()
    {
        const double lr = 0.1;
        var a = new Parameter(tensor(new double[] { 1, 2, 3 }));
        var b = new Parameter(tensor(new double[] { -1, 0.5 }));
        var late = new Parameter(tensor(new double[] { 4, 4, 4, 4 }));
        using var module = new Growing();
        module.Add("a", a);
        module.Add("b", b);
        using var ka = tensor(new double[] { 1, -1, 2 });
        using var kb = tensor(new double[] { 0.5, 3 });
        using var kLate = tensor(new double[] { 1, 2, 2, 4 });   // ‖kLate‖ = 5
        var sink = new CollectingSink();
        IProbe[] probes =
        [
            .. CheapProbes.Create(every: 1),
            new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1) }),
            new SpectralEdgeProbe(new SpectralEdgeOptions { Stride = 1, Window = 3, Tensors = "all", NullDraws = 0 }),
        ];
        using var monitor = new PhaseMonitor(module, probes, [sink]);
        using var sgd = optim.SGD([a, b, late], lr);

        for (int step = 1; step <= 8; step++)
        {
            if (step == 3) module.Add("late", late);                    // appears
            if (step == 5) a.requires_grad = false;                     // disappears (frozen)
            sgd.zero_grad();
            using var infB = step == 6 ? tensor(new[] { double.PositiveInfinity, 1 }) : kb.clone();
            var loss = (b * infB).sum();
            if (a.requires_grad) loss = loss + (a * ka).sum();
            if (step >= 3) loss = loss + (late * kLate).sum();
            loss.backward();
            monitor.AfterBackward(step, loss);
            sgd.step();
            monitor.AfterStep(step);
        }

        var kinds = sink.Events.Select(e => (e.Step, e.Kind)).ToList();
        Assert.Contains((3L, "parameters_changed"), kinds);
        Assert.Contains((5L, "parameters_changed"), kinds);
        Assert.Contains("added: late", sink.Events.First(e => e.Kind == "parameters_changed").Message);
        Assert.Contains("removed: a", sink.Events.Last(e => e.Kind == "parameters_changed").Message);
        Assert.Contains((6L, "non_finite_gradient"), kinds);
        Assert.Contains((6L, "non_finite_values"), kinds);         // the moments probe skips that step
        Assert.Contains((6L, "non_finite_parameters"), kinds);   // SGD carries the +Inf into b
        Assert.Contains((6L, "spectral_update_rejected"), kinds);
        Assert.DoesNotContain(sink.Events, e => e.Kind == "probe_failed");
        // Every probe kept running: the global gradient norm at every step.
        Assert.Equal(8, sink.Metrics.Count(m => m.Name == "grad_norm"));
        // The new tensor's θ₀ is its value when it appeared: after one SGD step its distance is lr·‖k_late‖ = 0.5.
        Assert.Equal(lr * 5, sink.Value(3, "dist_from_init/late"), 12);
        // b keeps its θ₀ from the start: after 4 steps with gradient k_b, ‖4·lr·k_b‖.
        Assert.Equal(4 * lr * Math.Sqrt(0.25 + 9), sink.Value(4, "dist_from_init/b"), 12);
        // The frozen tensor is no longer watched.
        Assert.DoesNotContain(sink.Metrics, m => m.Step >= 5 && m.Name.EndsWith("/a", StringComparison.Ordinal));
    }
}
