using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Monitoring;

sealed class CollectingSink : IMonitorSink
{
    public List<MetricRecord> Metrics { get; } = [];
    public List<MonitorEvent> Events { get; } = [];
    public List<MonitorSnapshot> Snapshots { get; } = [];

    public void Write(IReadOnlyList<MetricRecord> metrics) => Metrics.AddRange(metrics);
    public void Write(MonitorEvent monitorEvent) => Events.Add(monitorEvent);
    public void Write(MonitorSnapshot snapshot) => Snapshots.Add(snapshot);

    public double Value(long step, string name) => Metrics.Single(m => m.Step == step && m.Name == name).Value;
}
