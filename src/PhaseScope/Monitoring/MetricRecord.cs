namespace PhaseScope.Monitoring;

/// <summary>One scalar measurement at one optimizer step.</summary>
/// <param name="Step">Optimizer step (1-based).</param>
/// <param name="Name">Metric name, e.g. <c>grad_norm</c> or <c>grad_norm/layers.0.attn.q_proj.weight</c>.</param>
/// <param name="Value">The value (may be NaN or ±∞ when training diverges).</param>
public readonly record struct MetricRecord(long Step, string Name, double Value);

/// <summary>Something a probe (or the monitor) noticed: a transition, a failure.</summary>
/// <param name="Step">Optimizer step at which it was noticed.</param>
/// <param name="Kind">A stable machine name, e.g. <c>probe_failed</c>, <c>gap_opening</c>.</param>
/// <param name="Source">The probe (or component) that emitted it.</param>
/// <param name="Message">A sentence for people.</param>
public sealed record MonitorEvent(long Step, string Kind, string Source, string Message);

/// <summary>Results of one periodic evaluation.</summary>
/// <param name="TrainLoss">Mean loss per scored target on the training set.</param>
/// <param name="TrainAccuracy">The task's accuracy on the training set (what grokking is judged by).</param>
/// <param name="TestLoss">Mean loss per scored target on the test set.</param>
/// <param name="TestAccuracy">The task's accuracy on the test set.</param>
public sealed record EvaluationResult(double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy)
{
    /// <summary>Per-token accuracy on the training set, for tasks whose accuracy is per sequence (else null).</summary>
    public double? TrainTokenAccuracy { get; init; }

    /// <summary>Per-token accuracy on the test set, for tasks whose accuracy is per sequence (else null).</summary>
    public double? TestTokenAccuracy { get; init; }
}
