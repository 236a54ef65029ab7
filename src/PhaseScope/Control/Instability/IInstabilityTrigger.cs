using PhaseScope.Monitoring;

namespace PhaseScope.Control;

/// <summary>
/// One way of telling that training is going unstable, for <see cref="InstabilityController"/>. A trigger sees each step
/// twice: before the update, with the step's mini-batch loss (the loss the update is computed from), and after it, with
/// the readings the probes have just published. It returns a signal for each fresh observation that says "unstable"
/// (null otherwise) and says through <see cref="Active"/> whether its latest observation still does. Triggers never
/// reference a probe: a reading trigger reads a published type such as <c>StabilityReading</c>.
/// <para>The built-in triggers are <see cref="LossSpikeTrigger"/> (the diagnosis's loss-spike rule),
/// <see cref="StabilityMarginTrigger"/> (the optimizer's stability margin below 0) and <see cref="InstabilityWarningTrigger"/>
/// (the instability forecast's warning, read in <see cref="AfterUpdate"/> like the margin). Another is one more class of this
/// interface and one more entry in the list the controller is given.</para>
/// </summary>
public interface IInstabilityTrigger
{
    /// <summary>The trigger's name in events and in the resume state (stable across versions).</summary>
    string Name { get; }

    /// <summary>Whether the latest observation still says unstable (a running spike, a negative margin).</summary>
    bool Active { get; }

    /// <summary>Before step <paramref name="step"/>'s update, with its mini-batch loss; a signal when it says unstable.</summary>
    InstabilitySignal? BeforeUpdate(long step, double loss);

    /// <summary>After step <paramref name="step"/>'s update and its probes; a signal when a fresh reading says unstable.</summary>
    InstabilitySignal? AfterUpdate(long step, MonitorReadings readings);

    /// <summary>Everything the trigger remembers, as numbers (written with a resume point).</summary>
    IReadOnlyList<double> SaveState();

    /// <summary>Returns to a state written by <see cref="SaveState"/> of a trigger with the same settings.</summary>
    /// <exception cref="ArgumentException">The state is not this trigger's.</exception>
    void RestoreState(IReadOnlyList<double> state);
}

/// <summary>A trigger's "unstable" at one observation.</summary>
/// <param name="Step">The step observed.</param>
/// <param name="Trigger">The trigger's <see cref="IInstabilityTrigger.Name"/>.</param>
/// <param name="Onset">True at the first unstable observation of an episode (a spike's onset, the margin's crossing
/// below 0); false while the episode lasts.</param>
/// <param name="Message">What was observed, in one sentence.</param>
public sealed record InstabilitySignal(long Step, string Trigger, bool Onset, string Message);
