using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

public class CheapProbeTests
{
    /// <summary>
    /// Loss L = c₁·θ₁ + c₂·θ₂ has the constant gradient c, so plain SGD with rate η moves θ by −ηc each
    /// step: every norm below follows in closed form from c, θ₀ and η.
    /// </summary>
    [Fact]
    public void NormsMatchClosedFormUnderSgdOnALinearLoss()
    {
        double[] t1 = [3, 4], t2 = [1, 2, 2, 4];
        double[] c1 = [1, -2], c2 = [0.5, 0, -1, 2];
        const double eta = 0.1;
        var p1 = new Parameter(tensor(t1));
        var p2 = new Parameter(tensor(t2).reshape(2, 2));
        using var k1 = tensor(c1);
        using var k2 = tensor(c2).reshape(2, 2);
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new NamedParameter("a", p1), new NamedParameter("b", p2)], CheapProbes.Create(), [sink]);
        using var sgd = optim.SGD([p1, p2], eta);

        for (int step = 1; step <= 2; step++)
        {
            sgd.zero_grad();
            using var loss = (p1 * k1).sum() + (p2 * k2).sum();
            loss.backward();
            monitor.AfterBackward(step, loss);
            sgd.step();
            monitor.AfterStep(step);
        }

        static double Norm(IEnumerable<double> v) => Math.Sqrt(v.Sum(x => x * x));
        double normC1 = Norm(c1), normC2 = Norm(c2), normC = Norm(c1.Concat(c2));
        const double tol = 1e-12;
        // Loss at step 2: c·(θ₀ − ηc) = c·θ₀ − η‖c‖².
        double cTheta0 = c1.Zip(t1).Sum(z => z.First * z.Second) + c2.Zip(t2).Sum(z => z.First * z.Second);
        Assert.Equal(cTheta0 - eta * normC * normC, sink.Value(2, "loss"), tol);
        Assert.Equal(normC, sink.Value(1, "grad_norm"), tol);
        Assert.Equal(normC1, sink.Value(1, "grad_norm/a"), tol);
        Assert.Equal(normC2, sink.Value(2, "grad_norm/b"), tol);
        Assert.Equal(eta * normC, sink.Value(1, "update_norm"), tol);
        Assert.Equal(eta * normC1, sink.Value(2, "update_norm/a"), tol);
        Assert.Equal(eta * normC, sink.Value(1, "dist_from_init"), tol);
        Assert.Equal(2 * eta * normC, sink.Value(2, "dist_from_init"), tol);
        Assert.Equal(2 * eta * normC2, sink.Value(2, "dist_from_init/b"), tol);
        var theta2 = t1.Zip(c1, (t, c) => t - 2 * eta * c).Concat(t2.Zip(c2, (t, c) => t - 2 * eta * c));
        Assert.Equal(Norm(theta2), sink.Value(2, "param_norm"), tol);
        Assert.Empty(sink.Events);
        Assert.All(monitor.Timings, t => Assert.True(t.Calls >= 2 && t.TotalSeconds >= 0));
    }

    sealed class ThrowingProbe(long failAt) : IProbe
    {
        public int Calls;
        public string Name => "throws";
        public ProbeNeeds Needs => ProbeNeeds.Gradients;
        public ProbeSchedule Schedule => ProbeSchedule.Every(1);

        public void Observe(ProbeContext context, ProbeOutput output)
        {
            Calls++;
            output.Metric("throws/value", 1);
            if (context.Step == failAt) throw new InvalidOperationException("deliberate failure");
        }
    }

    [Fact]
    public void AProbeThatThrowsIsReportedAndDisabledAndTrainingGoesOn()
    {
        var p = new Parameter(tensor(new double[] { 1, 2 }));
        var sink = new CollectingSink();
        var bad = new ThrowingProbe(failAt: 3);
        using var monitor = new PhaseMonitor([new NamedParameter("p", p)], [bad, new GradientNormProbe()], [sink]);
        using var sgd = optim.SGD([p], 0.01);
        for (int step = 1; step <= 6; step++)
        {
            sgd.zero_grad();
            using var loss = p.square().sum();
            loss.backward();
            monitor.AfterBackward(step, loss);
            sgd.step();
            monitor.AfterStep(step);
        }
        Assert.Equal(3, bad.Calls);
        var e = Assert.Single(sink.Events);
        Assert.Equal(("probe_failed", "throws", 3L), (e.Kind, e.Source, e.Step));
        Assert.Contains("deliberate failure", e.Message);
        // The failing call's partial output is dropped; the other probe ran at every step.
        Assert.Equal([1L, 2L], sink.Metrics.Where(m => m.Name == "throws/value").Select(m => m.Step));
        Assert.Equal(6, sink.Metrics.Count(m => m.Name == "grad_norm"));
        Assert.True(monitor.Timings.Single(t => t.Name == "throws").Disabled);
    }

    [Fact]
    public void DuplicateProbeNamesAreRejected()
    {
        var p = new Parameter(tensor(new double[] { 1 }));
        var e = Assert.Throws<ArgumentException>(() => new PhaseMonitor([new NamedParameter("p", p)], [new LossProbe(), new LossProbe()]));
        Assert.Contains("'loss'", e.Message);
    }
}
