namespace PhaseScope.Monitoring.Probes;

/// <summary>Metric names of seed 003's consolidation probe (<see cref="ConsolidationProbe"/>), defined once: the probe writes them and the report, verdict, terminal
/// view and summary read them.</summary>
public static class ConsolidationMetrics
{
    /// <summary><c>consolidation/c_alpha</c>.</summary>
    public const string CAlpha = "consolidation/c_alpha";
    /// <summary><c>consolidation/c_alpha_step</c>.</summary>
    public const string CAlphaStep = "consolidation/c_alpha_step";
    /// <summary><c>consolidation/c_alpha_step_unbiased</c>.</summary>
    public const string CAlphaStepUnbiased = "consolidation/c_alpha_step_unbiased";
    /// <summary><c>consolidation/c_alpha_unbiased</c>.</summary>
    public const string CAlphaUnbiased = "consolidation/c_alpha_unbiased";
    /// <summary><c>consolidation/d_h</c>.</summary>
    public const string DH = "consolidation/d_h";
    /// <summary><c>consolidation/intelligence</c>.</summary>
    public const string Intelligence = "consolidation/intelligence";
    /// <summary><c>consolidation/noise</c>.</summary>
    public const string Noise = "consolidation/noise";
    /// <summary><c>consolidation/participation_ratio</c>.</summary>
    public const string ParticipationRatio = "consolidation/participation_ratio";
    /// <summary><c>consolidation/p</c>.</summary>
    public const string P = "consolidation/p";
    /// <summary><c>consolidation/p_smoothed</c>.</summary>
    public const string PSmoothed = "consolidation/p_smoothed";
    /// <summary><c>consolidation/p_step</c>.</summary>
    public const string PStep = "consolidation/p_step";
    /// <summary><c>consolidation/p_step_unbiased</c>.</summary>
    public const string PStepUnbiased = "consolidation/p_step_unbiased";
    /// <summary><c>consolidation/p_unbiased</c>.</summary>
    public const string PUnbiased = "consolidation/p_unbiased";
    /// <summary><c>consolidation/signal</c>.</summary>
    public const string Signal = "consolidation/signal";
    /// <summary><c>consolidation/signal_unbiased</c>.</summary>
    public const string SignalUnbiased = "consolidation/signal_unbiased";
    /// <summary><c>consolidation/stability_margin</c>.</summary>
    public const string StabilityMargin = "consolidation/stability_margin";
    /// <summary><c>consolidation/state</c>.</summary>
    public const string State = "consolidation/state";
    /// <summary><c>consolidation/tail_index</c>.</summary>
    public const string TailIndex = "consolidation/tail_index";
    /// <summary><c>consolidation/tail_index_clipped</c>.</summary>
    public const string TailIndexClipped = "consolidation/tail_index_clipped";
}
