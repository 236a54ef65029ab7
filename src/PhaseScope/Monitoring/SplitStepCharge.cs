namespace PhaseScope.Monitoring;

/// <summary>
/// Charges the extra cost of a step split into micro-batches to the probes that asked for the split
/// (<see cref="PhaseMonitor.ForwardBackwardTook"/>): the step's forward and backward time minus the probes' own
/// micro-batch calls minus the median of the last 21 unsplit steps, shared equally among them.
/// </summary>
internal sealed class SplitStepCharge
{
    readonly Queue<double> unsplitSeconds = new();   // forward/backward times of the last unsplit steps

    /// <summary>Records an unsplit step's time (<paramref name="due"/> empty) or charges a split step's extra time.</summary>
    public void Charge(long step, double seconds, IReadOnlyList<ProbeSlot> due, long ticksPerSecond)
    {
        if (due.Count == 0)
        {
            unsplitSeconds.Enqueue(seconds);
            if (unsplitSeconds.Count > 21) unsplitSeconds.Dequeue();
            return;
        }
        if (unsplitSeconds.Count == 0) return;
        var sorted = unsplitSeconds.Order().ToArray();
        double own = due.Where(s => s.StepOfTicks == step).Sum(s => (double)s.StepTicks / ticksPerSecond);
        double extra = seconds - own - sorted[sorted.Length / 2];
        if (extra <= 0) return;
        long ticks = (long)(extra / due.Count * ticksPerSecond);
        foreach (var s in due)
        {
            s.Ticks += ticks;
            if (s.StepOfTicks != step) { s.StepOfTicks = step; s.StepTicks = 0; }
            s.StepTicks += ticks;
        }
    }
}
