namespace PhaseScope.Monitoring.Probes;

/// <summary>Metric names of seed 001's spectral-edge probe (<see cref="SpectralEdgeProbe"/>), defined once: the probe writes them and the report, verdict, terminal
/// view and summary read them.</summary>
public static class SpectralEdgeMetrics
{
    /// <summary><c>spectral/above_bbp</c>.</summary>
    public const string AboveBbp = "spectral/above_bbp";
    /// <summary><c>spectral/adiabatic</c>.</summary>
    public const string Adiabatic = "spectral/adiabatic";
    /// <summary><c>spectral/adiabatic_regime</c>.</summary>
    public const string AdiabaticRegime = "spectral/adiabatic_regime";
    /// <summary><c>spectral/bbp_margin</c>.</summary>
    public const string BbpMargin = "spectral/bbp_margin";
    /// <summary><c>spectral/delta_sigma</c>.</summary>
    public const string DeltaSigma = "spectral/delta_sigma";
    /// <summary><c>spectral/g23</c>.</summary>
    public const string G23 = "spectral/g23";
    /// <summary><c>spectral/gap</c>.</summary>
    public const string Gap = "spectral/gap";
    /// <summary><c>spectral/gap_ratio</c>.</summary>
    public const string GapRatio = "spectral/gap_ratio";
    /// <summary><c>spectral/k95</c>.</summary>
    public const string K95 = "spectral/k95";
    /// <summary><c>spectral/k_star</c>.</summary>
    public const string KStar = "spectral/k_star";
    /// <summary><c>spectral/k_star_weighted</c>.</summary>
    public const string KStarWeighted = "spectral/k_star_weighted";
    /// <summary><c>spectral/loss_change_total</c>.</summary>
    public const string LossChangeTotal = "spectral/loss_change_total";
    /// <summary><c>spectral/null_p</c>.</summary>
    public const string NullP = "spectral/null_p";
    /// <summary><c>spectral/participation_ratio</c>.</summary>
    public const string ParticipationRatio = "spectral/participation_ratio";
    /// <summary><c>spectral/rank</c>.</summary>
    public const string Rank = "spectral/rank";
    /// <summary><c>spectral/sketch_error</c>.</summary>
    public const string SketchError = "spectral/sketch_error";
    /// <summary>Prefix of <c>spectral/sigma_j</c> (j = 1 … W).</summary>
    public const string SigmaPrefix = "spectral/sigma_";
    /// <summary>Prefix of <c>spectral/stability_dk_j</c> (j = 1 … W).</summary>
    public const string StabilityDkPrefix = "spectral/stability_dk_";
    /// <summary>Prefix of <c>spectral/stability_half_j</c> (j = 1 … W).</summary>
    public const string StabilityHalfPrefix = "spectral/stability_half_";
}
