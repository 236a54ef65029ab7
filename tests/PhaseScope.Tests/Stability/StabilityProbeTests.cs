using PhaseScope.Consolidation;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Stability;
using PhaseScope.Tests.Monitoring;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Optimizers;
using PhaseScope.Training.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Stability;

/// <summary>The stability and absorption probes inside training, and where every tensor they create lives.</summary>
public class StabilityProbeTests
{
    static byte[] Train(bool probed, out CollectingSink sink, int steps = 20)
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        manual_seed(3);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64));
        sink = new CollectingSink();
        var stability = probed ? new StabilityProbe(new StabilityOptions { DirectionalEvery = 1, PreconditionedEvery = 5, BatchSize = 16 }) : null;
        IProbe[] probes = stability is null ? [] : [stability, new AbsorptionProbe(new TrainingLogitSource(task, model))];
        using var monitor = new PhaseMonitor(model, probes, [sink]);
        new Trainer(task, model, new TrainerOptions { Steps = steps, BatchSize = 32, EvaluateEvery = 10, Seed = 3 })
        {
            Monitor = monitor, OptimizerReady = o => stability?.Connect(o as IPreconditionerSource),
        }.Run();
        stability?.Dispose();
        return model.parameters().SelectMany(p => p.detach().cpu().bytes.ToArray()).ToArray();
    }

    [Fact]
    public void TheProbesRecordTheirReadingsAndDoNotDisturbTraining()
    {
        var plain = Train(false, out _);
        var probed = Train(true, out var sink);
        Assert.Equal(plain, probed);
        var names = sink.Metrics.Select(m => m.Name).ToHashSet();
        Assert.Equal(20, sink.Metrics.Count(m => m.Name == StabilityMetrics.DirectionalSharpness));
        Assert.Equal(4, sink.Metrics.Count(m => m.Name == StabilityMetrics.PreconditionedLambdaMax));
        Assert.Equal(2, sink.Metrics.Count(m => m.Name == StabilityMetrics.AbsorbedFraction));
        // The threshold is the optimizer's: c₁(1 + β₁)(2 − ηw)/((1 − β₁)η) with the trainer's defaults η = 10⁻³, β₁ = 0.9, w = 1.
        double t20 = (1 - Math.Pow(0.9, 20)) * 1.9 * (2 - 1e-3) / (0.1 * 1e-3);
        Assert.Equal(t20, sink.Value(20, StabilityMetrics.Threshold), 1e-6 * t20);
        double lambda = sink.Value(20, StabilityMetrics.PreconditionedLambdaMax);
        Assert.Equal(t20 - lambda, sink.Value(20, StabilityMetrics.Margin), 1e-6 * t20);
        Assert.True(lambda > 0);
        Assert.All(sink.Metrics.Where(m => m.Name.StartsWith("stability/", StringComparison.Ordinal)), m => Assert.True(double.IsFinite(m.Value), m.Name));
        Assert.Contains(StabilityMetrics.LargestMargin, names);
    }

    /// <summary>
    /// Runs each probe once on a model of <paramref name="dtype"/> inside a dispose scope and checks every tensor it left in
    /// the scope and every state tensor it keeps: on the parameters' device, and floating-point ones in the model's dtype or
    /// float64 (the Lanczos vectors' documented dtype). A float64 model catches a hard-coded float32.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void EveryTensorAProbeCreatesIsOnTheModelsDeviceAndInADocumentedDtype(ScalarType dtype)
    {
        using var outer = NewDisposeScope();
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        manual_seed(3);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64));
        model.to(dtype);
        var named = model.named_parameters().Select(p => new NamedParameter(p.name, p.parameter)).ToList();
        var device = named[0].Value.device;
        using var adam = new KeptAdamW(model.parameters(), 1e-3, 0.9, 0.98, 1e-8, 1.0);
        var source = new TrainingLossSource(task, model, 32);
        Tensor[] previous = [];
        for (int step = 0; step < 3; step++)
        {
            previous = named.Select(p => p.Value.detach().clone()).ToArray();
            adam.ZeroGrad();
            using (enable_grad()) source.LossOnBatch(step).backward();
            adam.Step();
        }
        var updates = named.Select((p, i) => p.Value.detach().sub(previous[i])).ToArray();
        var stability = new StabilityProbe(new StabilityOptions { DirectionalEvery = 1, PreconditionedEvery = 1, BatchSize = 16, Preconditioner = adam });
        var curvature = new CurvatureProbe(new CurvatureOptions { MaxIterations = 4, Tracker = new LambdaMaxTracker(), BatchSize = 16 });
        var absorption = new AbsorptionProbe(new TrainingLogitSource(task, model));
        var evaluation = new EvaluationResult(1, 0, 1, 0);
        foreach (var (probe, phase) in new (IProbe, MonitorPhase)[] { (stability, MonitorPhase.AfterStep), (curvature, MonitorPhase.AfterBackward), (absorption, MonitorPhase.Evaluation) })
        {
            var context = new ProbeContext(3, phase, named, () => null, _ => null, i => updates[i], i => previous[i], source,
                phase == MonitorPhase.Evaluation ? evaluation : null, 1e-3);
            var output = new ProbeOutput(3, probe.Name);
            using var scope = NewDisposeScope();
            using (no_grad()) probe.Observe(context, output);
            Assert.NotEmpty(output.Metrics);
            foreach (var t in scope.DisposablesView.OfType<Tensor>().Where(t => !t.IsInvalid))
                Check(t, $"{probe.Name}: a tensor left in the call's scope");
        }
        Check(stability.Tracker.Vector!, "stability: the tracker's kept vector");
        Check(curvature.Tracker!.Vector!, "curvature: the tracker's kept vector");
        using var inverse = adam.InverseDiagonal(named[0].Value)!;
        Assert.Equal(dtype, inverse.dtype);
        stability.Dispose();

        void Check(Tensor t, string what)
        {
            Assert.True(t.device.type == device.type && t.device.index == device.index, $"{what} is on {t.device}, the model on {device}.");
            if (t.is_floating_point()) Assert.True(t.dtype == dtype || t.dtype == ScalarType.Float64, $"{what} is {t.dtype}; the model is {dtype}.");
        }
    }
}
