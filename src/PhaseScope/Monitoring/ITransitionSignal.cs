namespace PhaseScope.Monitoring;

/// <summary>A probe that can tell, from its latest readings, that a phase transition may be under way (so a monitor on a
/// budget samples densely now; <see cref="MonitorBudget"/>).</summary>
public interface ITransitionSignal
{
    /// <summary>Whether the latest readings lie near a transition (e.g. smoothed p near 0.5, a gap ratio between the
    /// collapse and opening thresholds).</summary>
    bool TransitionUnderway { get; }
}
