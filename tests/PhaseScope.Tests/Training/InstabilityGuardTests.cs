using PhaseScope.Checkpoints;
using PhaseScope.Control;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Stability;
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
    sealed record Outcome(byte[] Parameters, List<MonitorEvent> Events, double LearningRate, Dictionary<string, byte[]> Named, List<long> ZClipped, List<MetricRecord> Metrics);

    /// <summary>modular p = 13, one block of width 16, batches of 16, lr 1e-2, a checkpoint every 10 steps in
    /// <paramref name="dir"/>; the guard's triggers: a scripted one at <paramref name="fireAt"/> and the loss-spike rule on
    /// every 2nd step; episodes end after 5 quiet steps and a cut rate recovers to lr. With <paramref name="stability"/>, the
    /// stability probe (uᵀHu/uᵀu every step, λ_max(P⁻¹H) every 5, tracked), the absorption probe and the instability risk
    /// run too, and the margin and warning triggers join.</summary>
    static Outcome Train(string dir, int steps, InstabilityAction? action, long[] fireAt, double lr = 1e-2, int? stopAfter = null,
        bool resume = false, double? zclip = null, bool stability = false, IProbe? extra = null)
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        manual_seed(3);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        var sink = new CollectingSink();
        var sharpness = stability ? new StabilityProbe(new StabilityOptions { DirectionalEvery = 1, PreconditionedEvery = 5, BatchSize = 16, Seed = 3 }) : null;
        IProbe[] probes = [new LossProbe(ProbeSchedule.Every(2)), .. sharpness is null ? Array.Empty<IProbe>()
            : [sharpness, new AbsorptionProbe(new TrainingLogitSource(task, model)), new InstabilityRiskProbe()], .. extra is null ? Array.Empty<IProbe>() : [extra]];
        using var monitor = new PhaseMonitor(model, probes, [sink]);
        IInstabilityTrigger[] triggers = stability
            ? [new ScriptedTrigger(fireAt), new LossSpikeTrigger(2), new StabilityMarginTrigger(), new InstabilityWarningTrigger()]
            : [new ScriptedTrigger(fireAt), new LossSpikeTrigger(2)];
        var controller = action is { } a ? new InstabilityController(a, triggers, quietSteps: 5, scheduleRate: lr) : null;
        var guard = controller is null && zclip is null ? null : new InstabilityGuard(controller, zclip is double z ? new ZClip(z, alpha: 0.3, warmup: 5) : null);
        var point = resume ? ResumePoint.Latest(dir, out _) : null;
        if (point is not null) monitor.LoadState(Path.Combine(dir, point.MonitorFile), point.Step);
        using var stop = new CancellationTokenSource();
        var trainer = new Trainer(task, model, new TrainerOptions { Steps = steps, BatchSize = 16, EvaluateEvery = 10, Seed = 3, LearningRate = lr, CheckpointEvery = 10 })
        {
            Monitor = monitor, CheckpointDirectory = dir, WriteResumePoints = true, Instability = guard, OptimizerReady = o => sharpness?.Connect(o as IPreconditionerSource),
            ResumeFrom = point, StepCompleted = s => { if (s == stopAfter) stop.Cancel(); },
        };
        trainer.Run(stop.Token);
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().bytes.ToArray());
        return new Outcome([.. named.Values.SelectMany(b => b)], sink.Events, trainer.CurrentLearningRate, named,
            [.. sink.Metrics.Where(m => m.Name == ControlMetrics.ZClipThreshold).Select(m => m.Step)], sink.Metrics);
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

    /// <summary>A rate reduced before the first update gives the first update of a run started at the reduced rate, to the bit;
    /// signals at steps 1 and 2 are one episode and cut once; after 5 quiet steps (3–7) the rate climbs back by 2^(1/5) a step
    /// and is lr again 5 steps later, each rate recorded.</summary>
    [Fact]
    public void ReduceLrCutsTheRateOfThisStepsUpdateOncePerEpisodeAndRecovers()
    {
        using var dir = new TempDirectory();
        var reduced = Train(Path.Combine(dir.Path, "a"), 1, InstabilityAction.ReduceLearningRate, [1], lr: 1e-2);
        var started = Train(Path.Combine(dir.Path, "b"), 1, null, [], lr: 5e-3);
        Assert.Equal(started.Parameters, reduced.Parameters);
        Assert.Equal(5e-3, reduced.LearningRate);
        Assert.Equal(5e-3, Train(Path.Combine(dir.Path, "c"), 3, InstabilityAction.ReduceLearningRate, [1, 2]).LearningRate);
        Assert.Equal(5e-3, ResumePoint.Latest(Path.Combine(dir.Path, "c"), out _)!.LearningRate);
        var recovered = Train(Path.Combine(dir.Path, "d"), 20, InstabilityAction.ReduceLearningRate, [1, 2]);
        var rates = recovered.Metrics.Where(m => m.Name == ControlMetrics.InstabilityLearningRate).ToList();
        Assert.Equal(5e-3, rates[0].Value);
        Assert.Equal(1L, rates[0].Step);
        Assert.Equal(Enumerable.Range(8, rates.Count - 1).Select(i => (long)i), rates.Skip(1).Select(m => m.Step));   // the recovered event at 7, climbing from 8
        for (int k = 1; k < rates.Count - 1; k++) Assert.Equal(5e-3 * Math.Pow(2, k / 5.0), rates[k].Value, 1e-15);
        Assert.Equal(1e-2, rates[^1].Value);
        Assert.InRange(rates.Count, 5, 7);
        Assert.Equal(1e-2, recovered.LearningRate);
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
    /// and ZClip's state carried over; with the stability probe, the absorption probe and the instability risk on (and the
    /// margin and warning triggers), every stability and control series after the resume is the uninterrupted run's to the
    /// bit: the λ_max(P⁻¹H) tracker goes on warm from its kept vector, the risk from its history.</summary>
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
        var whole = Train(reference.Path, 50, action, at, zclip: 0.01, stability: true);
        var first = Train(stopped.Path, 50, action, at, stopAfter: 33, zclip: 0.01, stability: true);
        Assert.Equal(33, ResumePoint.Latest(stopped.Path, out _)!.Step);
        var second = Train(stopped.Path, 50, action, at, resume: true, zclip: 0.01, stability: true);
        Assert.Equal(whole.Parameters, second.Parameters);
        Assert.Equal(whole.LearningRate, second.LearningRate);
        static IEnumerable<string> Acted(IEnumerable<MonitorEvent> e) => e.Where(x => x.Source is "on_instability" or "instability_risk").Select(x => $"{x.Step} {x.Kind} {x.Message}");
        Assert.Equal(Acted(whole.Events), Acted(first.Events.Where(e => e.Step <= 33)).Concat(Acted(second.Events)));
        if (action is not null)   // acted before the stop and after it (the margin and warning triggers fire early here too)
        {
            var acting = whole.Events.Where(e => e.Source == "on_instability" && e.Kind != InstabilityEvents.Recovered).Select(e => e.Step).ToList();
            Assert.Contains(acting, s => s <= 33);
            Assert.Contains(37L, acting);
        }
        Assert.NotEmpty(whole.ZClipped);
        Assert.Equal(whole.ZClipped, first.ZClipped.Where(s => s <= 33).Concat(second.ZClipped));
        static IEnumerable<string> Series(IEnumerable<MetricRecord> m) => m.Where(x => x.Name.StartsWith("stability/", StringComparison.Ordinal) || x.Name.StartsWith("control/", StringComparison.Ordinal))
            .Select(x => $"{x.Step} {x.Name} {BitConverter.DoubleToInt64Bits(x.Value)}");
        var after = Series(whole.Metrics.Where(m => m.Step > 33)).ToList();
        Assert.Contains(after, x => x.Contains(" " + StabilityMetrics.PreconditionedLambdaMax + " ", StringComparison.Ordinal));
        Assert.Contains(after, x => x.Contains(" " + StabilityMetrics.InstabilityRisk + " ", StringComparison.Ordinal));
        Assert.Equal(Series(whole.Metrics), Series(first.Metrics.Where(m => m.Step <= 33)).Concat(Series(second.Metrics)));
    }

    /// <summary>A resumable probe that remembers the steps it observed (after the step).</summary>
    sealed class StepsSeen : IResumableProbe
    {
        public List<long> Steps { get; } = [];
        public string Name => "steps_seen";
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule => ProbeSchedule.Every(1);
        public void Observe(ProbeContext context, ProbeOutput output) => Steps.Add(context.Step);
        public void SaveState(ProbeState state) => state.Set("steps", string.Join(",", Steps));
        public void LoadState(ProbeState state)
        {
            Steps.Clear();
            if (state.Text("steps") is { Length: > 0 } t) Steps.AddRange(t.Split(',').Select(long.Parse));
        }
    }

    /// <summary>A rollback at step 25 to the point of step 20 takes the probes back with the model: a probe that remembers
    /// its steps holds 1 … 20, then 25 (it runs after the rolled-back step) … 28, not 21 … 24; the update probes skip step 25,
    /// whose update was undone (no uᵀHu/uᵀu there, where the jump back would have been measured); the timings keep counting.</summary>
    [Fact]
    public void RollbackTakesTheProbesBackWithTheModel()
    {
        using var dir = new TempDirectory();
        var seen = new StepsSeen();
        var run = Train(dir.Path, 28, InstabilityAction.Rollback, [25], stability: true, extra: seen);
        Assert.Contains("resume point of step 20", Assert.Single(run.Events, x => x.Kind == InstabilityEvents.RolledBack && x.Step == 25).Message);
        Assert.Equal([.. Enumerable.Range(1, 20).Select(i => (long)i), 25, 26, 27, 28], seen.Steps);
        var directional = run.Metrics.Where(m => m.Name == StabilityMetrics.DirectionalSharpness).Select(m => m.Step).ToList();
        Assert.DoesNotContain(25L, directional);
        Assert.Contains(24L, directional);
        Assert.Contains(26L, directional);
    }
}
