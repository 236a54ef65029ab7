namespace PhaseScope.Control;

/// <summary>Metric names of acting on instability (<see cref="InstabilityController"/>) and of the ZClip baseline (<see cref="ZClip"/>), defined once.</summary>
public static class ControlMetrics
{
    /// <summary><c>control/zclip_norm</c>: the global gradient norm of a step ZClip clipped, before clipping.</summary>
    public const string ZClipNorm = "control/zclip_norm";
    /// <summary><c>control/zclip_threshold</c>: the norm it clipped to, μ + Z·σ.</summary>
    public const string ZClipThreshold = "control/zclip_threshold";
    /// <summary><c>control/instability_lr</c>: the learning rate <c>--on-instability</c> set at a step (a cut, or a step of recovery).</summary>
    public const string InstabilityLearningRate = "control/instability_lr";
}
