using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Monitoring;

/// <summary>The monitor's own bookkeeping as a family: the cost of each probe (the report's overhead table) and the
/// events that say a probe, a sink or the budget changed how the run is watched. It draws no chart.</summary>
public static class MonitorFamily
{
    /// <summary>Prefix of <c>monitor/seconds/PROBE</c>, the wall time a probe took over the run.</summary>
    public const string SecondsPrefix = "monitor/seconds/";

    /// <summary>Prefix of <c>monitor/calls/PROBE</c>, the calls a probe had.</summary>
    public const string CallsPrefix = "monitor/calls/";

    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("monitor", "Monitor overhead",
        "Wall time each probe took over the run, measured by the monitor around every call.",
        "probe timings", "they are written when a run completes")
    {
        ShownWhenAbsent = false,
        Metrics =
        [
            new(SecondsPrefix + "*", "*", "Wall time the probe took over the run.", "s"),
            new(CallsPrefix + "*", "*", "Calls of the probe over the run.") { Integer = true },
        ],
        Events =
        [
            new("probe_failed", "probe failures", "A probe threw; it is skipped from then on and training goes on."),
            new("sink_failed", "sink failures", "A sink threw; it is skipped from then on."),
            new("snapshot_failed", "snapshot failures", "A snapshot of the parameters could not be taken."),
            new("parameters_changed", "parameter-set changes", "The module's parameters changed (added, removed or reshaped)."),
            new("parameters_unreadable", "unreadable parameter sets", "The module's parameters could not be listed."),
            new("budget_intervals", "budget changes", "The monitor's budget stretched the probes' intervals."),
            new("budget_suspended", "budget suspensions", "The budget suspended a probe."),
            new("budget_state_lost", "lost budget states", "The budget's saved state could not be restored on resume."),
            new("probe_state_lost", "lost probe states", "A probe's saved state could not be restored on resume."),
            new("resumed", "resumptions", "The run resumed from a checkpoint."),
            new("settings_changed", "settings changes", "The run resumed with different settings."),
        ],
    };
}
