using PhaseScope.Consolidation;
using PhaseScope.Control;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

/// <summary>The consolidation and curvature probes inside real training.</summary>
public class ConsolidationProbeTests
{
    sealed record Run(TrainResult Result, byte[] Parameters, CollectingSink Sink, double LearningRate);

    static Run Train(Func<IProbe[]> probes, int steps = 30, Func<IProbe[], (ConsolidationProbe?, AdaptiveLearningRate?, EarlyStopping?)>? control = null,
        long controlFrom = 0)
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        manual_seed(3);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64));
        var sink = new CollectingSink();
        var list = probes();
        using var monitor = new PhaseMonitor(model, list, [sink]);
        var (_, a, e) = control?.Invoke(list) ?? (null, null, null);   // the trainer reads the probe's readings through the monitor
        var trainer = new Trainer(task, model, new TrainerOptions { Steps = steps, BatchSize = 32, EvaluateEvery = 10, Seed = 3 })
        {
            Monitor = monitor, AdaptiveLearningRate = a, EarlyStopping = e, ControlFromStep = controlFrom,
        };
        var result = trainer.Run();
        var bytes = model.parameters().SelectMany(p => p.detach().cpu().bytes.ToArray()).ToArray();
        return new Run(result, bytes, sink, trainer.CurrentLearningRate);
    }

    [Fact]
    public void CurvatureProbeDoesNotDisturbTraining()
    {
        var plain = Train(() => []);
        var probed = Train(() => [new CurvatureProbe(new CurvatureOptions { Schedule = ProbeSchedule.Every(5), MaxIterations = 5, PowerIterations = 3, HutchinsonSamples = 2 })]);
        Assert.Equal(plain.Parameters, probed.Parameters);
        Assert.Equal(6, probed.Sink.Metrics.Count(m => m.Name == "curvature/lambda_max"));
        Assert.Empty(probed.Sink.Events.Where(e => e.Kind == "probe_failed"));
        Assert.All(probed.Sink.Metrics.Where(m => m.Name == "curvature/lambda_max"), m => Assert.True(double.IsFinite(m.Value) && m.Value > 0));
    }

    [Fact]
    public void ExtraBatchProbeDoesNotDisturbTraining()
    {
        var plain = Train(() => []);
        var probed = Train(() => [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.ExtraBatches, Samples = 4, Schedule = ProbeSchedule.Every(5), TailOrder = 10, BatchSize = 32 })]);
        Assert.Equal(plain.Parameters, probed.Parameters);
        var p = probed.Sink.Metrics.Where(m => m.Name == "consolidation/p").ToList();
        Assert.True(p.Count == 6, $"{p.Count} measurements of p at steps [{string.Join(", ", p.Select(m => m.Step))}]; events: "
            + string.Join(" | ", probed.Sink.Events.Select(e => $"{e.Step} {e.Kind}: {e.Message}")));
        Assert.All(p, m => Assert.InRange(m.Value, 0, 1));
    }

    [Fact]
    public void SmoothedPIsTheMeanOfTheLastFiveDecidingPs()
    {
        // With extra batches the deciding p is the seed's p = C_α/(1 + C_α) (§5); p_smoothed is the mean of the last
        // Smoothing = 5 of them, first stored once five exist. Both are re-derived here from the stored C_α.
        var run = Train(() => [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.ExtraBatches, Samples = 4, Schedule = ProbeSchedule.Every(3), TailOrder = 10, BatchSize = 32 })]);
        var c = run.Sink.Metrics.Where(m => m.Name == ConsolidationMetrics.CAlpha).ToList();
        var p = run.Sink.Metrics.Where(m => m.Name == ConsolidationMetrics.P).ToList();
        var smoothed = run.Sink.Metrics.Where(m => m.Name == ConsolidationMetrics.PSmoothed).ToList();
        Assert.Equal(10, c.Count);
        for (int i = 0; i < c.Count; i++) Assert.Equal(c[i].Value / (1 + c[i].Value), p[i].Value, 12);
        Assert.Equal(c.Skip(4).Select(m => m.Step), smoothed.Select(m => m.Step));
        for (int i = 4; i < p.Count; i++)
            Assert.Equal(p.Skip(i - 4).Take(5).Average(m => m.Value), smoothed[i - 4].Value, 12);
    }

    [Fact]
    public void MicroBatchSplitTrainsLikeTheFullBatch()
    {
        // The accumulated micro-batch gradient equals the full-batch gradient up to float rounding, so the runs agree closely.
        var plain = Train(() => []);
        var micro = Train(() => [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 4, Schedule = ProbeSchedule.Every(1), TailOrder = 10, BatchSize = 32 })]);
        var a = plain.Parameters; var b = micro.Parameters;
        float maxDiff = 0;
        for (int i = 0; i < a.Length; i += 4) maxDiff = Math.Max(maxDiff, Math.Abs(BitConverter.ToSingle(a, i) - BitConverter.ToSingle(b, i)));
        Assert.True(maxDiff < 1e-3f, $"max parameter difference {maxDiff}");
        Assert.Equal(30, micro.Sink.Metrics.Count(m => m.Name == "consolidation/c_alpha"));
        Assert.Empty(micro.Sink.Events.Where(e => e.Kind == "probe_failed"));
    }

    [Fact]
    public void MicroBatchProbeMatchesAHandComputedFloat64Reference()
    {
        using var scope = NewDisposeScope();
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 4);
        manual_seed(4);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        var parameters = model.parameters().ToArray();
        int k = 4;
        var x = task.TrainInputs.narrow(0, 0, 32);
        var y = task.TrainTargets.narrow(0, 0, 32);

        // Reference: each micro-batch's gradient by autograd, statistics in float64.
        var samples = new List<Tensor>();
        for (int j = 0; j < k; j++)
        {
            using var _ = enable_grad();
            var loss = Objective.Loss(model.call(x.narrow(0, j * 8, 8)), y.narrow(0, j * 8, 8), task.PerPosition);
            var g = autograd.grad([loss], parameters, retain_graph: false, allow_unused: true);
            samples.Add(cat(g.Select(t => t.flatten()).ToArray()).to_type(ScalarType.Float64));
        }
        var stacked = stack(samples);
        double signal = stacked.mean([0]).square().sum().item<double>();
        double noise = stacked.var(0, unbiased: true).sum().item<double>();

        // The monitor API as a hand-written loop would use it.
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor(model, [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = k, Schedule = ProbeSchedule.Every(1), TailOrder = 5, BatchSize = 32 })], [sink]);
        Assert.Equal(k, monitor.MicroBatchesDue(1));
        foreach (var p in parameters) p.grad?.zero_();
        for (int j = 0; j < k; j++)
        {
            using var _ = enable_grad();
            var loss = Objective.Loss(model.call(x.narrow(0, j * 8, 8)), y.narrow(0, j * 8, 8), task.PerPosition) / k;
            loss.backward();
            monitor.AfterMicroBatch(1, j);
        }
        monitor.AfterBackward(1);
        Assert.Empty(sink.Events.Where(e => e.Kind == "probe_failed"));
        Assert.Equal(signal, sink.Value(1, "consolidation/signal"), signal * 1e-4);
        Assert.Equal(noise, sink.Value(1, "consolidation/noise"), noise * 1e-4);
        Assert.Equal(signal / (noise / 4), sink.Value(1, "consolidation/c_alpha_step"), signal / noise * 4e-4);
    }

    [Fact]
    public void LoopWithoutMicroBatchesGetsAProbeFailureNotACrash()
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 4);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor(model, [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 4 })], [sink]);
        using (enable_grad()) Objective.Loss(model.call(task.TrainInputs), task.TrainTargets, false).backward();
        monitor.AfterBackward(10);
        var failure = Assert.Single(sink.Events, e => e.Kind == "probe_failed");
        Assert.Contains("MicroBatchesDue", failure.Message);
    }

    [Fact]
    public void AdaptiveLearningRateAndEarlyStoppingActOnTheProbe()
    {
        var adaptive = Train(() => [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 4, Schedule = ProbeSchedule.Every(5), TailOrder = 10, BatchSize = 32 })],
            control: probes => ((ConsolidationProbe)probes[0], new AdaptiveLearningRate(1e-3, LearningRateBand.Parse("inf:0.25")), null));
        var change = Assert.Single(adaptive.Sink.Events, e => e.Kind == "lr_changed");
        Assert.Equal(5, change.Step);
        Assert.Equal(2.5e-4, adaptive.LearningRate, 15);

        // p < 0.9999 for 2 observations is certain for a finite C_α: stops after the second measurement (step 10).
        var stopped = Train(() => [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 4, Schedule = ProbeSchedule.Every(5), TailOrder = 10, BatchSize = 32 })],
            control: probes => ((ConsolidationProbe)probes[0], null, new EarlyStopping(window: 2, pThreshold: 0.9999, fallingC: false, negativeI: false)));
        Assert.Equal(10, stopped.Result.Steps);
        Assert.Equal(StopCriterion.PersistentlyLowP, stopped.Result.StoppedEarly!.Criterion);
        Assert.Single(stopped.Sink.Events, e => e.Kind == "early_stop");

        // With a warm-up the controllers ignore the readings at steps 5 and 10.
        var warm = Train(() => [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 4, Schedule = ProbeSchedule.Every(5), TailOrder = 10, BatchSize = 32 })],
            control: probes => ((ConsolidationProbe)probes[0], new AdaptiveLearningRate(1e-3, LearningRateBand.Parse("inf:0.25")),
                new EarlyStopping(window: 2, pThreshold: 0.9999, fallingC: false, negativeI: false)), controlFrom: 12);
        Assert.Equal(15, Assert.Single(warm.Sink.Events, e => e.Kind == "lr_changed").Step);
        Assert.Equal(20, warm.Result.Steps);
    }

    [Fact]
    public void ControllersWithoutTheProbeAreAConfigurationError()
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 4);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        var trainer = new Trainer(task, model, new TrainerOptions { Steps = 5, BatchSize = 32 }) { AdaptiveLearningRate = new AdaptiveLearningRate(1e-3) };
        Assert.Throws<TaskConfigurationException>(() => trainer.Run());
    }
}
