namespace PhaseScope.Monitoring.Probes;

/// <summary>How <see cref="ConsolidationProbe"/> draws its gradient samples at a fixed θ.</summary>
public enum ConsolidationMethod
{
    /// <summary>The step's batch split into k micro-batches (the trainer does the split; almost free).</summary>
    MicroBatches,
    /// <summary>n extra mini-batches of the training batch size (seed 003 §11.1; costs n forward+backward passes).</summary>
    ExtraBatches,
}
