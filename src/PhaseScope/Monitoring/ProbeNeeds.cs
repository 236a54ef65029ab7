namespace PhaseScope.Monitoring;

/// <summary>
/// What a probe needs from the training step; it decides in which monitor call the probe runs.
/// TorchSharp has no backward hooks (docs/TORCHSHARP.md §3), so the trainer makes these calls explicitly.
/// </summary>
[Flags]
public enum ProbeNeeds
{
    /// <summary>Parameters only: runs in <see cref="PhaseMonitor.AfterStep"/>.</summary>
    None = 0,
    /// <summary>The mini-batch loss of this step (a scalar): runs in <see cref="PhaseMonitor.AfterBackward"/>.</summary>
    Loss = 1,
    /// <summary>Gradients after backward, before the optimizer step: runs in <see cref="PhaseMonitor.AfterBackward"/>.</summary>
    Gradients = 2,
    /// <summary>The update θ_t − θ_{t−1} made by the optimizer step: runs in <see cref="PhaseMonitor.AfterStep"/>.</summary>
    Update = 4,
    /// <summary>A way to evaluate the loss on other batches at the current θ (<see cref="ILossSource"/>): runs in <see cref="PhaseMonitor.AfterBackward"/>.</summary>
    LossOnOtherBatches = 8,
    /// <summary>The evaluation results (train/test loss and accuracy): runs in <see cref="PhaseMonitor.OnEvaluation"/>.</summary>
    Evaluation = 16,
    /// <summary>The gradients after each of k micro-batches of the step's batch (<see cref="IMicroBatchProbe"/>); the trainer
    /// splits the batch when such a probe is due (<see cref="PhaseMonitor.MicroBatchesDue"/>). Runs in <see cref="PhaseMonitor.AfterBackward"/>.</summary>
    MicroBatchGradients = 32,
}

/// <summary>The monitor call a probe runs in.</summary>
public enum MonitorPhase
{
    /// <summary>After <c>loss.backward()</c>, before <c>optimizer.step()</c>.</summary>
    AfterBackward,
    /// <summary>After <c>optimizer.step()</c>.</summary>
    AfterStep,
    /// <summary>After a periodic evaluation.</summary>
    Evaluation,
}

/// <summary>Maps needs to the phase a probe runs in.</summary>
public static class ProbeNeedsExtensions
{
    /// <summary>Evaluation wins, then anything needing the pre-step state, else after the step.</summary>
    public static MonitorPhase Phase(this ProbeNeeds needs) =>
        needs.HasFlag(ProbeNeeds.Evaluation) ? MonitorPhase.Evaluation
        : (needs & (ProbeNeeds.Loss | ProbeNeeds.Gradients | ProbeNeeds.LossOnOtherBatches | ProbeNeeds.MicroBatchGradients)) != 0 ? MonitorPhase.AfterBackward
        : MonitorPhase.AfterStep;
}
