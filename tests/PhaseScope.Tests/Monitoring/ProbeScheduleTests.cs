using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Monitoring;

public class ProbeScheduleTests
{
    [Fact]
    public void EveryNIsDueOnMultiples()
    {
        var s = ProbeSchedule.Every(3);
        Assert.Equal([3, 6, 9], Enumerable.Range(1, 10).Where(i => s.IsDue(i, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbeSchedule.Every(0));
    }

    [Fact]
    public void LogSpacedHitsRoundedPowersOfTen()
    {
        // round(10^(k/3)) for k = 0..6: 1, 2.154→2, 4.642→5, 10, 21.54→22, 46.42→46, 100.
        var s = ProbeSchedule.LogSpaced(perDecade: 3, maxInterval: 100000);
        Assert.Equal([1, 2, 5, 10, 22, 46, 100], Enumerable.Range(1, 100).Where(i => s.IsDue(i, 0)));
    }

    [Fact]
    public void LogSpacedIsCappedByMaxInterval()
    {
        var s = ProbeSchedule.LogSpaced(perDecade: 1, maxInterval: 250);
        Assert.Equal([1, 10, 100, 250, 500, 750, 1000], Enumerable.Range(1, 1000).Where(i => s.IsDue(i, 0)));
    }

    [Fact]
    public void OnEvaluationFollowsTheTrainersInterval()
    {
        Assert.False(ProbeSchedule.OnEvaluation.IsDue(100, 0));
        Assert.True(ProbeSchedule.OnEvaluation.IsDue(100, 50));
        Assert.False(ProbeSchedule.OnEvaluation.IsDue(101, 50));
    }

    sealed class EvaluationCounter(ProbeSchedule schedule) : IProbe
    {
        public List<long> Steps { get; } = [];
        public string Name => "eval_counter_" + schedule;
        public ProbeNeeds Needs => ProbeNeeds.Evaluation;
        public ProbeSchedule Schedule => schedule;
        public void Observe(ProbeContext context, ProbeOutput output) => Steps.Add(context.Step);
    }

    [Fact]
    public void EvaluationProbesHonourTheirSchedule()
    {
        using var w = new TorchSharp.Modules.Parameter(TorchSharp.torch.zeros(2));
        var every200 = new EvaluationCounter(ProbeSchedule.Every(200));
        var onEval = new EvaluationCounter(ProbeSchedule.OnEvaluation);
        using var monitor = new PhaseMonitor([new NamedParameter("w", w)], [every200, onEval]) { EvaluationEvery = 100 };
        foreach (var step in new long[] { 100, 200, 300, 400, 450 }) monitor.OnEvaluation(step, new EvaluationResult(1, 0, 1, 0));
        Assert.Equal([200, 400], every200.Steps);
        Assert.Equal([100, 200, 300, 400, 450], onEval.Steps); // the final evaluation (450) is off the interval but still one
    }
}
