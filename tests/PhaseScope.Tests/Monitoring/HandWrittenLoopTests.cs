using PhaseScope.Consolidation;
using PhaseScope.Control;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

/// <summary>The README's hand-written loop with seed 003's adaptive learning rate (issue 25: controllers work in any
/// loop, not only under the built-in trainer): the same calls as the README, on TorchSharp's own AdamW.</summary>
public class HandWrittenLoopTests
{
    [Fact]
    public void TheReadmeLoopRunsTheConsolidationController()
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        manual_seed(3);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64));
        var criterion = nn.CrossEntropyLoss();
        var x = task.TrainInputs.narrow(0, 0, 32);
        var y = task.TrainTargets.narrow(0, 0, 32);
        var sink = new CollectingSink();
        int steps = 12;

        // ---- as in the README ----
        using var optimizer = optim.AdamW(model.parameters(), 1e-3);
        var adaptive = new AdaptiveLearningRate(1e-3, LearningRateBand.Parse("inf:0.25"));   // the seed's bands by default
        using var monitor = new PhaseMonitor(model, [.. CheapProbes.Create(every: 1),
            new ConsolidationProbe(ConsolidationMethod.MicroBatches, samples: 4, ProbeSchedule.Every(5))], [sink]);
        monitor.LearningRate = 1e-3;
        for (int step = 1; step <= steps; step++)
        {
            optimizer.zero_grad();
            using var loss = MicroBatchBackward.Run(monitor, step, x, y, (xs, ys) =>
            {
                var l = criterion.call(model.call(xs).select(1, -1), ys);
                return (l, l);
            });                                  // backward; split into 4 parts when C_α is due
            monitor.AfterBackward(step, loss);
            optimizer.step();
            monitor.AfterStep(step);
            if (monitor.Readings.Latest<ConsolidationReading>() is { } r && r.Step == step && adaptive.Observe(step, r.P) is { } change)
            {
                adaptive.ApplyTo(optimizer);
                monitor.LearningRate = change.To;
            }
        }
        // ---- end ----

        Assert.Equal(new long[] { 5, 10 }, sink.Metrics.Where(m => m.Name == ConsolidationMetrics.P).Select(m => m.Step));
        Assert.All(optimizer.ParamGroups, g => Assert.Equal(2.5e-4, g.LearningRate, 15));   // 1e-3 × 0.25 from step 5 on
        Assert.Equal(2.5e-4, adaptive.LearningRate, 15);
        Assert.DoesNotContain(sink.Events, e => e.Kind == "probe_failed");
    }
}
