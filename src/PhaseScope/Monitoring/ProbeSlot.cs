namespace PhaseScope.Monitoring;

/// <summary>A probe inside a <see cref="PhaseMonitor"/>: its phase, call count, time and whether it was disabled.</summary>
internal sealed class ProbeSlot(IProbe probe)
{
    public IProbe Probe { get; } = probe;
    public MonitorPhase Phase { get; } = probe.Needs.Phase();
    public long Calls;
    public long Ticks;
    public bool Disabled;
    public long StepOfTicks = -1;   // the step StepTicks belong to
    public long StepTicks;          // this step's cost (all calls: micro-batches and the main one)
}
