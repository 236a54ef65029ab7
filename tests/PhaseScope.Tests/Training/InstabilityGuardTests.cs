using PhaseScope.Checkpoints;
using PhaseScope.Control;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Tests.Control;
using PhaseScope.Tests.Monitoring;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Resume;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>--on-instability's actions and ZClip in the built-in trainer, on a tiny modular run, each checked against a run
/// that reaches the same state without them (one step fewer, another rate, the checkpoint itself, an uninterrupted run).</summary>
public class InstabilityGuardTests
{
    sealed record Outcome(byte[] Parameters, List<MonitorEvent> Events, double LearningRate, Dictionary<string, byte[]> Named, List<long> ZClipped);

    /// <summary>modular p = 13, one block of width 16, batches of 16, lr 1e-2, a checkpoint every 10 steps in
    /// <paramref name="dir"/>; the guard's triggers: a scripted one at <paramref name="fireAt"/> and the loss-spike rule on
    /// every 2nd step.</summary>
    static Outcome Train(string dir, int steps, InstabilityAction? action, long[] fireAt, double lr = 1e-2, int? stopAfter = null,
        bool resume = false, double? zclip = null)
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        manual_seed(3);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor(model, [new LossProbe(ProbeSchedule.Every(2))], [sink]);
        var controller = action is { } a ? new InstabilityController(a, [new ScriptedTrigger(fireAt), new LossSpikeTrigger(2)]) : null;
        var guard = controller is null && zclip is null ? null : new InstabilityGuard(controller, zclip is double z ? new ZClip(z, alpha: 0.3, warmup: 5) : null);
        using var stop = new CancellationTokenSource();
        var trainer = new Trainer(task, model, new TrainerOptions { Steps = steps, BatchSize = 16, EvaluateEvery = 10, Seed = 3, LearningRate = lr, CheckpointEvery = 10 })
        {
            Monitor = monitor, CheckpointDirectory = dir, WriteResumePoints = true, Instability = guard,
            ResumeFrom = resume ? ResumePoint.Latest(dir, out _) : null, StepCompleted = s => { if (s == stopAfter) stop.Cancel(); },
        };
        trainer.Run(stop.Token);
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().bytes.ToArray());
        return new Outcome([.. named.Values.SelectMany(b => b)], sink.Events, trainer.CurrentLearningRate, named,
            [.. sink.Metrics.Where(m => m.Name == ControlMetrics.ZClipThreshold).Select(m => m.Step)]);
    }

    static string Checkpoint(string dir, long step, string extension) => Path.Combine(dir, ResumePoint.ModelFileName(step).Replace(".safetensors", extension, StringComparison.Ordinal));

    [Fact]
    public void SkipLeavesParametersAndOptimizerStateExactlyAsBeforeTheStep()
    {
        using var skipped = new TempDirectory();
        using var shorter = new TempDirectory();
        var a = Train(skipped.Path, 20, InstabilityAction.Skip, [20]);
        var b = Train(shorter.Path, 19, null, []);
        Assert.Equal(b.Parameters, a.Parameters);
        Assert.Equal(File.ReadAllBytes(Checkpoint(shorter.Path, 19, ".optimizer")), File.ReadAllBytes(Checkpoint(skipped.Path, 20, ".optimizer")));
        var e = Assert.Single(a.Events, x => x.Source == "on_instability");
        Assert.Equal((20L, InstabilityEvents.StepSkipped), (e.Step, e.Kind));
        Assert.NotEqual(Train(Path.Combine(shorter.Path, "full"), 20, null, []).Parameters, a.Parameters);   // the step does move them
    }

    /// <summary>A rate reduced before the first update gives the first update of a run started at the reduced rate, to the bit.</summary>
    [Fact]
    public void ReduceLrMultipliesTheRateOfThisStepsUpdateByTheFactor()
    {
        using var dir = new TempDirectory();
        var reduced = Train(Path.Combine(dir.Path, "a"), 1, InstabilityAction.ReduceLearningRate, [1], lr: 1e-2);
        var started = Train(Path.Combine(dir.Path, "b"), 1, null, [], lr: 5e-3);
        Assert.Equal(started.Parameters, reduced.Parameters);
        Assert.Equal(5e-3, reduced.LearningRate);
        Assert.Equal(2.5e-3, Train(Path.Combine(dir.Path, "c"), 3, InstabilityAction.ReduceLearningRate, [1, 2]).LearningRate);
        Assert.Equal(2.5e-3, ResumePoint.Latest(Path.Combine(dir.Path, "c"), out _)!.LearningRate);
    }

    [Fact]
    public void RollbackRestoresTheLastScheduledResumePointsParameters()
    {
        using var dir = new TempDirectory();
        var a = Train(dir.Path, 25, InstabilityAction.Rollback, [25]);
        var saved = Safetensors.Load(Checkpoint(dir.Path, 20, ".safetensors"));
        try
        {
            Assert.All(a.Named, kv => Assert.Equal(saved[kv.Key].cpu().bytes.ToArray(), kv.Value));
        }
        finally
        {
            foreach (var t in saved.Values) t.Dispose();
        }
        Assert.Equal(5e-3, a.LearningRate);
        Assert.Contains("resume point of step 20", Assert.Single(a.Events, x => x.Kind == InstabilityEvents.RolledBack).Message);

        using var early = new TempDirectory();   // before the first point: the update is withheld, as skip does
        using var shorter = new TempDirectory();
        var b = Train(early.Path, 5, InstabilityAction.Rollback, [5]);
        Assert.Equal(Train(shorter.Path, 4, null, []).Parameters, b.Parameters);
        Assert.Contains("No scheduled resume point yet", Assert.Single(b.Events, x => x.Kind == InstabilityEvents.RolledBack).Message);
    }

    /// <summary>Actions at steps 15–16 and 37, the run stopped after step 33 (an off-schedule point, never a rollback target)
    /// and resumed: the same parameters, rate and controller events as the uninterrupted run, with the loss-spike trigger's
    /// and ZClip's state carried over.</summary>
    [Theory]
    [InlineData(InstabilityAction.Warn)]
    [InlineData(InstabilityAction.ReduceLearningRate)]
    [InlineData(InstabilityAction.Skip)]
    [InlineData(InstabilityAction.Rollback)]
    [InlineData(null)]
    public void ResumedAfterAnActionEndsAsTheUninterruptedRun(InstabilityAction? action)
    {
        using var reference = new TempDirectory();
        using var stopped = new TempDirectory();
        long[] at = [15, 16, 37];
        var whole = Train(reference.Path, 50, action, at, zclip: 0.01);
        var first = Train(stopped.Path, 50, action, at, stopAfter: 33, zclip: 0.01);
        Assert.Equal(33, ResumePoint.Latest(stopped.Path, out _)!.Step);
        var second = Train(stopped.Path, 50, action, at, resume: true, zclip: 0.01);
        Assert.Equal(whole.Parameters, second.Parameters);
        Assert.Equal(whole.LearningRate, second.LearningRate);
        static IEnumerable<string> Acted(IEnumerable<MonitorEvent> e) => e.Where(x => x.Source == "on_instability").Select(x => $"{x.Step} {x.Kind} {x.Message}");
        Assert.Equal(Acted(whole.Events), Acted(first.Events.Where(e => e.Step <= 33)).Concat(Acted(second.Events)));
        if (action is not null)
        {
            Assert.Contains(Acted(whole.Events), e => e.StartsWith("15 ", StringComparison.Ordinal) && !e.Contains(InstabilityEvents.Recovered, StringComparison.Ordinal));
            Assert.Contains(Acted(whole.Events), e => e.StartsWith("37 ", StringComparison.Ordinal) && !e.Contains(InstabilityEvents.Recovered, StringComparison.Ordinal));
        }
        Assert.NotEmpty(whole.ZClipped);
        Assert.Equal(whole.ZClipped, first.ZClipped.Where(s => s <= 33).Concat(second.ZClipped));
    }
}
