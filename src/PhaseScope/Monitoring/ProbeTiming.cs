namespace PhaseScope.Monitoring;

/// <summary>The time a probe (or the monitor's own bookkeeping) has cost so far.</summary>
/// <param name="Name">Probe name, or <c>(monitor)</c> for snapshots and sinks.</param>
/// <param name="Calls">Number of calls (a micro-batch probe counts each micro-batch call as well as its final one).</param>
/// <param name="TotalSeconds">Wall time spent in them.</param>
/// <param name="Disabled">True when the probe threw and was switched off.</param>
public sealed record ProbeTiming(string Name, long Calls, double TotalSeconds, bool Disabled)
{
    /// <summary>Mean milliseconds per call (0 before the first).</summary>
    public double MeanMilliseconds => Calls == 0 ? 0 : TotalSeconds * 1000 / Calls;
}
