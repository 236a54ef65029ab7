namespace PhaseScope.Monitoring;

/// <summary>
/// A probe that sees the gradients after each micro-batch of a step whose batch the training loop splits
/// into <see cref="MicroBatches"/> equal parts (each part's loss scaled by 1/k, so the accumulated gradient
/// is the full batch's). A loop asks <see cref="PhaseMonitor.MicroBatchesDue"/> before the step and calls
/// <see cref="PhaseMonitor.AfterMicroBatch"/> after each part's backward; <see cref="IProbe.Observe"/> then
/// runs in <see cref="PhaseMonitor.AfterBackward"/> as usual. Needs <see cref="ProbeNeeds.MicroBatchGradients"/>.
/// </summary>
public interface IMicroBatchProbe : IProbe
{
    /// <summary>k, the number of micro-batches the probe wants (≥ 2).</summary>
    int MicroBatches { get; }

    /// <summary>Called after micro-batch <paramref name="index"/> (0-based) with the gradients accumulated so far.</summary>
    void ObserveMicroBatch(ProbeContext context, int index);

    /// <summary>
    /// The loop could not split step <paramref name="step"/>'s batch into <see cref="MicroBatches"/> equal parts (a short
    /// last batch of an epoch): the probe measures nothing at that step instead of failing
    /// (<see cref="PhaseMonitor.MicroBatchesUnavailable"/>). The default does nothing (a probe then fails at that step).
    /// </summary>
    void SkipStep(long step) { }
}
