namespace PhaseScope.Monitoring;

/// <summary>Receives the monitor's output (run store, TensorBoard, console).</summary>
public interface IMonitorSink
{
    /// <summary>Metrics of one monitor call, in order.</summary>
    void Write(IReadOnlyList<MetricRecord> metrics);

    /// <summary>One event.</summary>
    void Write(MonitorEvent monitorEvent);

    /// <summary>One structured snapshot; sinks that keep only scalars (TensorBoard, the console) ignore it.</summary>
    void Write(MonitorSnapshot snapshot) { }
    /// <summary>Makes everything written so far durable (called before a resume point is written, so the run store holds
    /// every record up to the point's step); sinks that keep nothing ignore it.</summary>
    void Flush() { }
    /// <summary>Whether the run cannot go on without this sink (the run store). When an essential sink throws, the monitor
    /// throws <see cref="SinkFailedException"/> and training stops; any other failing sink is reported once and skipped.</summary>
    bool Essential => false;
}
