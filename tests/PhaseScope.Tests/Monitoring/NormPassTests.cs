using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

/// <summary>
/// The cheap probes' shared norm pass: its norms against a float64 reference computed here from copies of θ, θ_{t−1},
/// θ₀ and g (host path for float32 CPU tensors, kernel path for float64 ones, both in one watched set), and the count of
/// tensors the norm probes create per step (the fixed per-step cost: one kernel per tensor and metric before).
/// </summary>
public class NormPassTests
{
    /// <summary>A float32 matrix, a float64 vector and a float32 scalar: both paths of the pass in one call.</summary>
    static List<NamedParameter> MixedParameters()
    {
        using var g = new Generator(7);
        return
        [
            new("w", new Parameter(randn([30, 7], generator: g))),
            new("v", new Parameter(randn([5], ScalarType.Float64, generator: g))),
            new("s", new Parameter(randn([1], generator: g))),
        ];
    }

    static double[] Host(Tensor t) => t.detach().to_type(ScalarType.Float64).flatten().data<double>().ToArray();

    static double Norm(double[] a, double[]? b = null) => Math.Sqrt(a.Select((x, i) => (x - (b?[i] ?? 0)) * (x - (b?[i] ?? 0))).Sum());

    [Fact]
    public void NormsMatchAFloat64ReferenceOnFloat32AndFloat64Tensors()
    {
        var parameters = MixedParameters();
        var theta0 = parameters.Select(p => Host(p.Value)).ToArray();
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor(parameters, CheapProbes.Create(), [sink]);
        using var sgd = optim.SGD(parameters.Select(p => (Parameter)p.Value), 0.05);
        using var k = new Generator(3);
        var weights = parameters.Select(p => randn(p.Value.shape, p.Value.dtype, generator: k)).ToArray();
        for (int step = 1; step <= 3; step++)
        {
            sgd.zero_grad();
            // A loss with a θ-dependent gradient (Σ w·θ + Σ θ⁴/8: g = w + θ³/2), so the update changes from step to step.
            using var eighth = tensor(0.125, ScalarType.Float64);
            var loss = parameters.Select((p, i) => (p.Value * weights[i]).sum().to_type(ScalarType.Float64)
                + (p.Value * p.Value * p.Value * p.Value).sum().to_type(ScalarType.Float64) * eighth).Aggregate((a, b) => a + b);
            loss.backward();
            var grads = parameters.Select(p => Host(p.Value.grad!)).ToArray();
            var before = parameters.Select(p => Host(p.Value)).ToArray();
            monitor.AfterBackward(step, loss);
            sgd.step();
            monitor.AfterStep(step);
            var after = parameters.Select(p => Host(p.Value)).ToArray();

            // float32 tensors are summed in float32 over 512-element blocks: relative error ≤ 1e-6 here; float64 ones exactly.
            double Tol(int i, double value) => parameters[i].Value.dtype == ScalarType.Float64 ? 1e-12 * (1 + value) : 1e-6 * (1 + value);
            for (int i = 0; i < parameters.Count; i++)
            {
                var name = parameters[i].Name;
                Assert.Equal(Norm(grads[i]), sink.Value(step, $"grad_norm/{name}"), Tol(i, Norm(grads[i])));
                Assert.Equal(Norm(after[i]), sink.Value(step, $"param_norm/{name}"), Tol(i, Norm(after[i])));
                Assert.Equal(Norm(after[i], before[i]), sink.Value(step, $"update_norm/{name}"), Tol(i, Norm(after[i], before[i])));
                Assert.Equal(Norm(after[i], theta0[i]), sink.Value(step, $"dist_from_init/{name}"), Tol(i, Norm(after[i], theta0[i])));
            }
            double Global(Func<int, double> perTensor) => Math.Sqrt(Enumerable.Range(0, parameters.Count).Sum(i => perTensor(i) * perTensor(i)));
            Assert.Equal(Global(i => Norm(grads[i])), sink.Value(step, "grad_norm"), 1e-5);
            Assert.Equal(Global(i => Norm(after[i], before[i])), sink.Value(step, "update_norm"), 1e-6);
            Assert.Equal(Global(i => Norm(after[i], theta0[i])), sink.Value(step, "dist_from_init"), 1e-6);
        }
        Assert.Empty(sink.Events);
    }

    [Fact]
    public void AQuantityThePassDidNotExpectIsMeasuredWhenAsked()
    {
        // The pass expects a probe at a step by its schedule alone (evaluation interval unknown): the parameter-norm probe on
        // the evaluation schedule is not expected at step 4, but the monitor (evaluation every 2) runs it there after the
        // update probe has had the pass measure ‖θ − θ_{t−1}‖ alone; its norm must still be this step's ‖θ‖.
        var pass = new NormPass();
        var p = new Parameter(tensor(new double[] { 3, 4 }));
        var sink = new CollectingSink();
        IProbe[] probes = [new UpdateSizeProbe(ProbeSchedule.Every(1), true, pass), new ParameterNormProbe(ProbeSchedule.OnEvaluation, true, pass)];
        using var monitor = new PhaseMonitor([new NamedParameter("p", p)], probes, [sink]) { EvaluationEvery = 2 };
        using var sgd = optim.SGD([p], 0.5);
        using var c = tensor(new double[] { 2, -2 });
        for (int step = 1; step <= 4; step++)
        {
            sgd.zero_grad();
            (p * c).sum().backward();   // g = c, so θ moves by −0.5·c = (−1, 1) each step
            monitor.AfterBackward(step);
            sgd.step();
            monitor.AfterStep(step);
        }
        Assert.Equal(Math.Sqrt(2), sink.Value(3, "update_norm"), 12);
        Assert.Equal(Math.Sqrt(1 * 1 + 6 * 6), sink.Value(2, "param_norm/p"), 12);   // θ₂ = (1, 6)
        Assert.Equal(Math.Sqrt(1 + 64), sink.Value(4, "param_norm"), 12);            // θ₄ = (−1, 8)
        Assert.DoesNotContain(sink.Metrics, m => m.Name == "param_norm" && m.Step % 2 == 1);
    }

    [Fact]
    public void TheHostKernelMatchesAFloat64ReferenceOverManyBlocksAndChunks()
    {
        // 3·2¹⁶ + 1001 elements: several chunks (run in parallel), many 512-element blocks and a ragged tail.
        int n = 3 * 65536 + 1001;
        using var g = new Generator(11);
        using var a = randn([n], generator: g);
        using var b = randn([n], generator: g);
        using var c = a.mul(tensor(0.5f));
        double[] ha = Host(a), hb = Host(b), hc = Host(c);
        var sums = PhaseScope.Runtime.HostFloat32.SquaredSums(a, b, c)!.Value;
        Assert.Equal(ha.Sum(x => x * x), sums.A, 1e-6 * n);
        Assert.Equal(ha.Select((x, i) => (x - hb[i]) * (x - hb[i])).Sum(), sums.AB, 1e-6 * n);
        Assert.Equal(ha.Select((x, i) => (x - hc[i]) * (x - hc[i])).Sum(), sums.AC, 1e-6 * n);
        var onlyC = PhaseScope.Runtime.HostFloat32.SquaredSums(a, null, c)!.Value;
        Assert.Equal(sums.A, onlyC.A);
        Assert.Equal(0.0, onlyC.AB);
        Assert.Equal(sums.AC, onlyC.AC);
        Assert.Null(PhaseScope.Runtime.HostFloat32.SquaredSums(a, b.narrow(0, 0, n - 1), null));
        Assert.Null(PhaseScope.Runtime.HostFloat32.SquaredSums(a.to_type(ScalarType.Float64), null, null));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(12)]
    public void OnFloat32CpuTensorsTheNormProbesLaunchNoKernel(int tensors)
    {
        // The tensors the monitor creates per step with the four norm probes: per watched tensor one gradient handle (read
        // once for every probe of the call) and the θ_{t−1} snapshot's copy; the norms themselves are host passes.
        using var g = new Generator(5);
        var parameters = Enumerable.Range(0, tensors).Select(i => new NamedParameter($"p{i}", new Parameter(randn([40, 3], generator: g)))).ToList();
        var probes = CheapProbes.Create().Where(p => p is not LossProbe).ToList();
        using var monitor = new PhaseMonitor(parameters, probes);
        using var sgd = optim.SGD(parameters.Select(p => (Parameter)p.Value), 0.01);
        long created = 0;
        for (int step = 1; step <= 3; step++)
        {
            using var scope = NewDisposeScope();
            sgd.zero_grad();
            parameters.Select(p => (p.Value * p.Value).sum()).Aggregate((a, b) => a + b).backward();
            long before = DisposeScopeManager.Statistics.TensorStatistics.CreatedInScopeCount + DisposeScopeManager.Statistics.TensorStatistics.CreatedOutsideScopeCount;
            monitor.AfterBackward(step);
            sgd.step();
            long between = DisposeScopeManager.Statistics.TensorStatistics.CreatedInScopeCount + DisposeScopeManager.Statistics.TensorStatistics.CreatedOutsideScopeCount;
            monitor.AfterStep(step);
            long after = DisposeScopeManager.Statistics.TensorStatistics.CreatedInScopeCount + DisposeScopeManager.Statistics.TensorStatistics.CreatedOutsideScopeCount;
            if (step > 1) created = Math.Max(created, (between - before) + (after - between));   // step 1 allocates the snapshot
        }
        Assert.True(created <= 2 * tensors + 2, $"the norm probes created {created} tensors in a step over {tensors} tensors (≤ {2 * tensors + 2} expected: a gradient handle and a snapshot copy per tensor)");
    }
}
