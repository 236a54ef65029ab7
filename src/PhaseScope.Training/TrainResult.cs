using PhaseScope.Monitoring;

namespace PhaseScope.Training;

/// <summary>One periodic evaluation.</summary>
public sealed record EvaluationPoint(long Step, EvaluationResult Result);

/// <summary>The outcome of a training run.</summary>
public sealed record TrainResult
{
    /// <summary>Steps taken.</summary>
    public required int Steps { get; init; }
    /// <summary>True when some evaluation reached the grok threshold.</summary>
    public bool Grokked => GrokStep is not null;
    /// <summary>First evaluation step with test accuracy ≥ the threshold (docs/SETUPS.md "The grok step"), else null.</summary>
    public required long? GrokStep { get; init; }
    /// <summary>Every evaluation, in order.</summary>
    public required IReadOnlyList<EvaluationPoint> Evaluations { get; init; }
    /// <summary>The last evaluation.</summary>
    public EvaluationResult Final => Evaluations[^1].Result;
    /// <summary>Wall time of the loop, evaluation and monitoring included.</summary>
    public required double WallSeconds { get; init; }
    /// <summary>Part of <see cref="WallSeconds"/> spent in periodic evaluations.</summary>
    public required double EvaluationSeconds { get; init; }
    /// <summary>Steps per second of wall time.</summary>
    public double StepsPerSecond => Steps / WallSeconds;
    /// <summary>The early-stopping decision that ended the run, if one did.</summary>
    public PhaseScope.Control.StopDecision? StoppedEarly { get; init; }
    /// <summary>The step at which the run diverged and why (<see cref="Divergence"/>: the trainer stopped there); null when it did not.</summary>
    public Divergence? Diverged { get; init; }
    /// <summary>Seconds the monitor cost (0 without one).</summary>
    public required double MonitorSeconds { get; init; }
}

/// <summary>What the trainer reports at each evaluation (for progress displays).</summary>
public sealed record TrainProgress(long Step, int TotalSteps, double Loss, EvaluationResult Evaluation, long? GrokStep);
