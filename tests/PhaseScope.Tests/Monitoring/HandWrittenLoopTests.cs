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

/// <summary>The README's hand-written loop with seed 003's controllers through the loop protocol (<see cref="MonitoredLoop"/>;
/// issue 25: controllers work in any loop, not only under the built-in trainer): the same calls as the README, on
/// TorchSharp's own AdamW.</summary>
public class HandWrittenLoopTests
{
    static PreNormTransformer Model(TaskData task)
    {
        manual_seed(3);
        return new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64));
    }

    [Fact]
    public void TheReadmeLoopRunsTheConsolidationController()
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        using var model = Model(task);
        var criterion = nn.CrossEntropyLoss();
        var (x, y) = (task.TrainInputs.narrow(0, 0, 32), task.TrainTargets.narrow(0, 0, 32));
        var sink = new CollectingSink();
        int steps = 12;

        // ---- as in the README ----
        using var optimizer = optim.AdamW(model.parameters(), 1e-3);
        using var monitor = new PhaseMonitor(model, [.. CheapProbes.Create(every: 1),
            new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 4, Schedule = ProbeSchedule.Every(5) })], [sink]);
        var loop = new MonitoredLoop(monitor, 1e-3, lr => AdaptiveLearningRate.SetOn(optimizer, lr),
            [new AdaptiveLearningRate(1e-3, LearningRateBand.Parse("inf:0.25"))]);   // the seed's bands by default
        for (int step = 1; step <= steps && loop.Stop is null; step++)
        {
            optimizer.zero_grad();
            using var loss = loop.Backward(step, x, y, (xs, ys) => criterion.call(model.call(xs).select(1, -1), ys));
            optimizer.step();
            loop.AfterStep(step);
        }
        // ---- end ----

        Assert.Equal(new long[] { 5, 10 }, sink.Metrics.Where(m => m.Name == ConsolidationMetrics.P).Select(m => m.Step));
        Assert.All(optimizer.ParamGroups, g => Assert.Equal(2.5e-4, g.LearningRate, 15));   // 1e-3 × 0.25 from step 5 on
        Assert.Equal(2.5e-4, loop.LearningRate, 15);
        Assert.Equal(2.5e-4, monitor.LearningRate);
        Assert.Equal([5L], sink.Events.Where(e => e.Kind == "lr_changed").Select(e => e.Step));   // one band change, recorded once
        Assert.DoesNotContain(sink.Events, e => e.Kind == "probe_failed");
    }

    /// <summary>Early stopping in the same loop: with a threshold no p in [0, 1) reaches and a window of 2, criterion 1 fires
    /// at the second C_α call (step 10) and the loop takes no step after it.</summary>
    [Fact]
    public void TheSameLoopStopsWhenEarlyStoppingFires()
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        using var model = Model(task);
        var sink = new CollectingSink();
        using var optimizer = optim.AdamW(model.parameters(), 1e-3);
        var probe = new ConsolidationProbe(new ConsolidationOptions { Samples = 4, Schedule = ProbeSchedule.Every(5), Smoothing = 1 });
        using var monitor = new PhaseMonitor(model, [probe], [sink]);
        var stopping = new EarlyStopping(window: 2, pThreshold: 1 - 1e-12, lowP: true, fallingC: false, negativeI: false);
        var loop = new MonitoredLoop(monitor, 1e-3, lr => AdaptiveLearningRate.SetOn(optimizer, lr), [stopping]);
        var criterion = nn.CrossEntropyLoss();
        var steps = new List<long>();
        for (long step = 1; step <= 30 && loop.Stop is null; step++)
        {
            optimizer.zero_grad();
            using var loss = loop.Backward(step, task.TrainInputs.narrow(0, 0, 32), task.TrainTargets.narrow(0, 0, 32),
                (xs, ys) => criterion.call(model.call(xs).select(1, -1), ys));
            optimizer.step();
            loop.AfterStep(step);
            steps.Add(step);
        }
        Assert.Equal(10, steps[^1]);
        Assert.Equal((10L, StopCriterion.PersistentlyLowP), (loop.Stop!.Step, loop.Stop.Criterion));
        Assert.Equal([10L], sink.Events.Where(e => e.Kind == "early_stop").Select(e => e.Step));
        Assert.All(optimizer.ParamGroups, g => Assert.Equal(1e-3, g.LearningRate, 15));   // no controller changed it
    }

    [Fact]
    public void ControllersWithoutAMonitorAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new MonitoredLoop(null, 1e-3, _ => { }, [new AdaptiveLearningRate(1e-3)]));
        Assert.Contains("monitor", e.Message, StringComparison.Ordinal);
    }
}
