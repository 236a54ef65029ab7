using PhaseScope.Monitoring;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

/// <summary>Typed readings through the monitor (issue 25 item 2): a consumer listed before its producer still sees the
/// producer's reading of the same step, and a cycle is refused.</summary>
public class MonitorReadingsTests
{
    sealed record Tick(long Step);
    sealed record Tock(long Step);

    sealed class Producer(string name = "producer") : IProbe
    {
        public string Name => name;
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule => ProbeSchedule.Every(1);
        public IReadOnlyList<Type> Publishes => [typeof(Tick)];
        public void Observe(ProbeContext context, ProbeOutput output) => context.Readings.Publish(new Tick(context.Step));
    }

    sealed class Consumer(Type[]? publishes = null) : IProbe
    {
        public string Name => "consumer";
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule => ProbeSchedule.Every(1);
        public IReadOnlyList<Type> Consumes => [typeof(Tick)];
        public IReadOnlyList<Type> Publishes => publishes ?? [];
        public void Observe(ProbeContext context, ProbeOutput output) =>
            output.Metric("same_step", context.Readings.Latest<Tick>() is { } t && t.Step == context.Step ? 1 : 0);
    }

    sealed class TockToTick : IProbe
    {
        public string Name => "cycle";
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule => ProbeSchedule.Every(1);
        public IReadOnlyList<Type> Consumes => [typeof(Tock)];
        public IReadOnlyList<Type> Publishes => [typeof(Tick)];
        public void Observe(ProbeContext context, ProbeOutput output) { }
    }

    [Fact]
    public void ConsumersRunAfterProducersWhateverTheOrderGiven()
    {
        using var w = zeros(3);
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new NamedParameter("w", w)], [new Consumer(), new Producer()], [sink]);
        for (int step = 1; step <= 4; step++) monitor.AfterStep(step);
        Assert.Equal(new double[] { 1, 1, 1, 1 }, sink.Metrics.Where(m => m.Name == "same_step").Select(m => m.Value));
        Assert.Equal(new Tick(4), monitor.Readings.Latest<Tick>());
        Assert.True(monitor.Publishes(typeof(Tick)));
        Assert.False(monitor.Publishes(typeof(Tock)));
    }

    [Fact]
    public void ACycleOfReadingsIsRefused()
    {
        using var w = zeros(3);
        var e = Assert.Throws<ArgumentException>(() => new PhaseMonitor([new NamedParameter("w", w)], [new Consumer([typeof(Tock)]), new TockToTick()]));
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
    }
}
