using PhaseScope.Monitoring;

namespace PhaseScope.Control;

/// <summary>
/// A policy that acts on what the probes published (seed 003 §11.3–11.4: <see cref="AdaptiveLearningRate"/>,
/// <see cref="EarlyStopping"/>). It reads the monitor's <see cref="MonitorReadings"/> after a step's backward and returns
/// a decision that any training loop applies (the built-in trainer, split MNIST's loop and a hand-written one do it
/// through <c>PhaseScope.Training.MonitoredLoop</c>). A controller never references a probe.
/// </summary>
public interface IController
{
    /// <summary>What the readings of <paramref name="step"/> decide, or null for nothing.</summary>
    ControlDecision? Decide(long step, MonitorReadings readings);
}

/// <summary>A controller's decision at one step, with the event that records it.</summary>
/// <param name="Step">The step whose readings decided.</param>
/// <param name="Kind">The event kind (<c>lr_changed</c>, <c>early_stop</c>).</param>
/// <param name="Source">The event source (<c>adaptive_lr</c>, <c>early_stopping</c>).</param>
/// <param name="Message">The event text.</param>
public sealed record ControlDecision(long Step, string Kind, string Source, string Message)
{
    /// <summary>The learning rate to use from this step's update on, or null to keep it.</summary>
    public double? LearningRate { get; init; }
    /// <summary>Set when training stops after this step.</summary>
    public StopDecision? Stop { get; init; }
}
