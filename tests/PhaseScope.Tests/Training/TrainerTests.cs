using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Tests.Monitoring;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

public class TrainerTests
{
    static (TrainResult Result, byte[] Parameters, List<MetricRecord> Metrics) Train(int seed, int steps = 40, double lr = 1e-3)
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: seed);
        manual_seed(seed);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor(model, CheapProbes.Create(), [sink]);
        var result = new Trainer(task, model, new TrainerOptions { Steps = steps, BatchSize = 32, EvaluateEvery = 10, Seed = seed, LearningRate = lr })
        { Monitor = monitor }.Run();
        var bytes = model.parameters().SelectMany(p => p.detach().cpu().bytes.ToArray()).ToArray();
        return (result, bytes, sink.Metrics);
    }

    [Fact]
    public void SameSeedGivesIdenticalMetricsAndParameters()
    {
        var a = Train(seed: 5);
        var b = Train(seed: 5);
        var c = Train(seed: 6);
        Assert.Equal(a.Result.Evaluations.Select(e => e.Result), b.Result.Evaluations.Select(e => e.Result));
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(a.Metrics.Select(m => (m.Step, m.Name, m.Value)), b.Metrics.Select(m => (m.Step, m.Name, m.Value)));
        Assert.NotEqual(a.Parameters, c.Parameters);
    }

    [Fact]
    public void TrainerEvaluatesOnScheduleAndLearnsTheTrainingSet()
    {
        var (result, _, metrics) = Train(seed: 1, steps: 600, lr: 3e-3);
        Assert.Equal(600, result.Steps);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => i * 10L), result.Evaluations.Select(e => e.Step));
        // 84 training pairs, 600 AdamW steps at lr 3e-3: the training set is fitted (memorisation precedes grokking).
        Assert.True(result.Final.TrainAccuracy > 0.95, $"train accuracy {result.Final.TrainAccuracy}");
        Assert.True(result.Evaluations[0].Result.TrainLoss > result.Final.TrainLoss);
        Assert.Equal(600, metrics.Count(m => m.Name == "loss"));
        Assert.Equal(60, metrics.Count(m => m.Name == "eval/test_acc"));
    }

    /// <summary>--stop-after-grok N ends the run N steps after the grok step. A threshold of 0 makes the first evaluation
    /// (step 10) the grok step, so the run must take exactly 10 + N steps, and all 60 without the option.</summary>
    [Theory]
    [InlineData(0, 10)]
    [InlineData(7, 17)]
    [InlineData(null, 60)]
    public void StopAfterGrokEndsTheRunThatManyStepsAfterTheGrokStep(int? margin, int expected)
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 1);
        manual_seed(1);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        var result = new Trainer(task, model, new TrainerOptions { Steps = 60, BatchSize = 32, EvaluateEvery = 10, Seed = 1, GrokThreshold = 0, StopAfterGrok = margin }).Run();
        Assert.Equal(10, result.GrokStep);
        Assert.Equal(expected, result.Steps);
    }
}
