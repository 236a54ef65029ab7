using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>The divergence rule (<see cref="Divergence"/>): a non-finite loss or parameter element at a step stops the run there.</summary>
public class DivergenceTests
{
    [Fact]
    public void FiniteLossAndParametersAreNotDivergence()
    {
        using var loss = tensor(2.5f);
        using var w = ones(3, 3);
        Assert.Null(Divergence.Check(7, loss, [("w", w)]));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void ANonFiniteLossIsDivergenceAtThatStep(float value, string shown)
    {
        using var loss = tensor(value);
        using var w = ones(2);
        var d = Divergence.Check(12, loss, [("w", w)]);
        Assert.NotNull(d);
        Assert.Equal(12, d!.Step);
        Assert.Contains(shown, d.Reason);
        Assert.StartsWith("Diverged at step 12: the training loss at step 12 is", d.Describe());
    }

    /// <summary>One element of one tensor is enough; the tensors that hold one are named. A huge finite value (whose
    /// squared norm overflows float32) is not divergence by the rule.</summary>
    [Fact]
    public void ANonFiniteParameterElementIsDivergenceAndItsTensorIsNamed()
    {
        using var loss = tensor(0.1f);
        using var finite = full(4, 3e38f);
        using var bad = zeros(5);
        bad[3] = tensor(float.NegativeInfinity);
        Assert.Null(Divergence.Check(3, loss, [("huge", finite)]));
        var d = Divergence.Check(3, loss, [("huge", finite), ("layers.0.w", bad)]);
        Assert.NotNull(d);
        Assert.Equal("after the update of step 3 the parameters of 1 tensor(s) hold NaN or ±∞ (layers.0.w)", d!.Reason);
    }

    /// <summary>The trainer stops at the first step the rule fires, emits the <c>diverged</c> event there, and a run that
    /// diverges takes no further step (lr = 10³⁰: ExitCodeTests derives why the loss turns NaN at step 2).</summary>
    [Fact]
    public void TheTrainerStopsAtTheDivergedStep()
    {
        using var task = ModularArithmetic.Create(7, ModularOperation.Add, 0.5, dataSeed: 1);
        manual_seed(1);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 8, heads: 2, dFf: 16));
        var events = new List<MonitorEvent>();
        using var monitor = new PhaseMonitor(model, [], [new ListSink(events)]);
        long steps = 0;
        var result = new Trainer(task, model, new TrainerOptions { Steps = 30, BatchSize = 8, EvaluateEvery = 10, Seed = 1, LearningRate = 1e30, WeightDecay = 0 })
        {
            Monitor = monitor, StepCompleted = s => steps = s,
        }.Run();
        Assert.NotNull(result.Diverged);
        Assert.Equal(2, result.Diverged!.Step);
        Assert.Equal(2, result.Steps);
        Assert.Equal(2, steps);
        var e = Assert.Single(events, x => x.Kind == Divergence.EventKind);
        Assert.Equal(2, e.Step);
        Assert.Equal("trainer", e.Source);

        var diagnosis = new RunDiagnosis();
        diagnosis.Observe(e);
        Assert.Equal(2, diagnosis.DivergedAt);
        Assert.Equal(RunPhase.Unstable, diagnosis.Current);
        Assert.Contains("Diverged at step 2", diagnosis.Describe(null));
    }

    sealed class ListSink(List<MonitorEvent> events) : IMonitorSink
    {
        public void Write(IReadOnlyList<MetricRecord> metrics) { }
        public void Write(MonitorEvent monitorEvent) => events.Add(monitorEvent);
    }
}
