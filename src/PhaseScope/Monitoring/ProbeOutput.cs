namespace PhaseScope.Monitoring;

/// <summary>Where a probe writes its metrics and events for one call.</summary>
public sealed class ProbeOutput
{
    readonly List<MetricRecord> metrics = [];
    readonly List<MonitorEvent> events = [];
    readonly List<MonitorSnapshot> snapshots = [];

    internal ProbeOutput(long step, string source)
    {
        Step = step;
        Source = source;
    }

    /// <summary>The step being observed.</summary>
    public long Step { get; }

    /// <summary>The probe writing.</summary>
    public string Source { get; }

    /// <summary>Records a metric at the current step.</summary>
    public void Metric(string name, double value) => metrics.Add(new MetricRecord(Step, name, value));

    /// <summary>Records a metric only when <paramref name="value"/> is finite (for statistics that are undefined on some
    /// inputs, where "no record" reads better in plots than NaN).</summary>
    public void MetricIfFinite(string name, double value)
    {
        if (double.IsFinite(value)) Metric(name, value);
    }

    /// <summary>Records a structured snapshot at the current step; <paramref name="payload"/> is serialised to JSON
    /// (non-finite doubles are not JSON: map them to null first).</summary>
    public void Snapshot(string name, object payload) =>
        snapshots.Add(new MonitorSnapshot(Step, name, Source, System.Text.Json.JsonSerializer.Serialize(payload)));

    /// <summary>Records an event at the current step.</summary>
    public void Event(string kind, string message) => events.Add(new MonitorEvent(Step, kind, Source, message));

    internal IReadOnlyList<MetricRecord> Metrics => metrics;
    internal IReadOnlyList<MonitorEvent> Events => events;
    internal IReadOnlyList<MonitorSnapshot> Snapshots => snapshots;
}
