namespace PhaseScope.Monitoring;

/// <summary>
/// Where a <see cref="PhaseMonitor"/>'s metrics, events and snapshots go. A sink that fails is reported once (a
/// <c>sink_failed</c> event on stderr and to the other sinks) and skipped from then on, so monitoring never stops
/// training; an <see cref="IMonitorSink.Essential"/> sink's failure (the run store) raises <see cref="SinkFailedException"/>.
/// </summary>
internal sealed class MonitorSinks(IEnumerable<IMonitorSink>? sinks, Func<long> currentStep, Action<MonitorEvent> recordEvent)
{
    readonly List<IMonitorSink> sinks = sinks?.ToList() ?? [];
    readonly HashSet<IMonitorSink> failed = [];

    /// <summary>Adds a sink.</summary>
    public void Add(IMonitorSink sink) => sinks.Add(sink);

    /// <summary>Sends metrics to every working sink.</summary>
    public void Write(IReadOnlyList<MetricRecord> metrics)
    {
        foreach (var sink in sinks) Guard(sink, () => sink.Write(metrics));
    }

    /// <summary>Sends an event to every working sink.</summary>
    public void Write(MonitorEvent monitorEvent)
    {
        foreach (var sink in sinks) Guard(sink, () => sink.Write(monitorEvent));
    }

    /// <summary>Sends a snapshot to every working sink.</summary>
    public void Write(MonitorSnapshot snapshot)
    {
        foreach (var sink in sinks) Guard(sink, () => sink.Write(snapshot));
    }

    /// <summary>Flushes every working sink.</summary>
    public void Flush()
    {
        foreach (var sink in sinks) Guard(sink, sink.Flush);
    }

    void Guard(IMonitorSink sink, Action write)
    {
        if (failed.Contains(sink)) return;
        try
        {
            write();
        }
        catch (Exception e) when (e is not SinkFailedException)   // an essential sink's failure, raised inside another sink's write, passes
        {
            failed.Add(sink);
            long step = currentStep();
            if (sink.Essential) throw new SinkFailedException(sink.GetType().Name, step, e);
            // Any other sink that fails is reported once, on stderr and to the other sinks, and skipped from then on.
            var ev = new MonitorEvent(step, "sink_failed", sink.GetType().Name, $"Sink {sink.GetType().Name} failed: {e.Message}. It is skipped from now on.");
            Console.Error.WriteLine($"phasescope: {ev.Message}");
            recordEvent(ev);
            foreach (var other in sinks) if (!failed.Contains(other)) Guard(other, () => other.Write(ev));
        }
    }
}
