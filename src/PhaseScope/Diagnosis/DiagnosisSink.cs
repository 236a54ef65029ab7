using PhaseScope.Monitoring;

namespace PhaseScope.Diagnosis;

/// <summary>
/// Runs a <see cref="RunDiagnosis"/> live: a monitor sink that feeds it every metric record and event the monitor
/// writes, and emits the diagnosis's events (<c>phase_entered</c>, <c>loss_spike</c>, …) through
/// <paramref name="emit"/> (the monitor's <c>Emit</c>, so every sink stores them). A failure inside the diagnosis is
/// reported once as <c>diagnosis_failed</c> and the diagnosis stops; training goes on.
/// </summary>
public sealed class DiagnosisSink(RunDiagnosis diagnosis, Action<MonitorEvent> emit) : IMonitorSink
{
    bool failed, emitting;

    /// <summary>The diagnosis being fed.</summary>
    public RunDiagnosis Diagnosis => diagnosis;

    /// <inheritdoc />
    public void Write(IReadOnlyList<MetricRecord> metrics) => Guarded(metrics.Count > 0 ? metrics[0].Step : 0, () =>
    {
        foreach (var m in metrics) diagnosis.Observe(m);
    });

    /// <inheritdoc />
    public void Write(MonitorEvent monitorEvent)
    {
        if (emitting) return;   // our own events, coming back through the monitor
        Guarded(monitorEvent.Step, () => diagnosis.Observe(monitorEvent));
    }

    void Guarded(long step, Action observe)
    {
        if (failed) return;
        try { observe(); }
        catch (Exception e)
        {
            failed = true;
            Emit([new MonitorEvent(step, "diagnosis_failed", RunDiagnosis.Source, $"The run diagnosis threw {e.GetType().Name}: {EventText.OneLine(e.Message)}. It is off for the rest of the run; training goes on.")]);
            return;
        }
        Emit(diagnosis.TakeEvents());
    }

    void Emit(IReadOnlyList<MonitorEvent> events)
    {
        if (events.Count == 0) return;
        emitting = true;
        try { foreach (var e in events) emit(e); }
        finally { emitting = false; }
    }
}
