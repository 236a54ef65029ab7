using PhaseScope.Moments;

namespace PhaseScope.Training.Forgetting;

/// <summary>Test accuracy on both tasks at one moment.</summary>
public sealed record TaskAccuracy(double TaskA, double TaskB);

/// <summary>The outcome of one split-MNIST run.</summary>
/// <param name="Options">What was run.</param>
/// <param name="AfterA">Accuracies after task A.</param>
/// <param name="AfterB">Accuracies after task B (Table 1's numbers).</param>
/// <param name="BeforeSwitch">Moments of θ_A with the gradient of task A's loss.</param>
/// <param name="AfterSwitchTaskA">Moments of θ_B with the gradient of task A's loss (seed 000 §5.3: does task A's ordered phase survive?).</param>
/// <param name="AfterSwitchTaskB">Moments of θ_B with the gradient of task B's loss.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="Steps">Optimizer steps taken over both tasks.</param>
/// <param name="SwitchStep">The last step of task A (the <c>task_switch</c> event's step).</param>
public sealed record ForgettingResult(ForgettingOptions Options, TaskAccuracy AfterA, TaskAccuracy AfterB,
    PhaseReading BeforeSwitch, PhaseReading AfterSwitchTaskA, PhaseReading AfterSwitchTaskB, double Seconds, long Steps, long SwitchStep);
