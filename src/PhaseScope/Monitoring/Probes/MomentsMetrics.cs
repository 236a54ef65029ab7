namespace PhaseScope.Monitoring.Probes;

/// <summary>Metric and snapshot names of seed 000's moments probe (<see cref="MomentsProbe"/>), defined once: the probe
/// writes them and the report, verdict, terminal view and comparison read them. Per-tensor variants append
/// <c>/TENSOR</c>; the per-order ones append the order K to a prefix.</summary>
public static class MomentsMetrics
{
    /// <summary><c>moments/m_cap</c>: m∩.</summary>
    public const string MCap = "moments/m_cap";
    /// <summary><c>moments/d0</c>: d₀.</summary>
    public const string D0 = "moments/d0";
    /// <summary><c>moments/phase</c>.</summary>
    public const string Phase = "moments/phase";
    /// <summary><c>moments/beta</c>.</summary>
    public const string Beta = "moments/beta";
    /// <summary><c>moments/beta_g</c>.</summary>
    public const string BetaG = "moments/beta_g";
    /// <summary><c>moments/topological</c>.</summary>
    public const string Topological = "moments/topological";
    /// <summary><c>moments/spearman</c>.</summary>
    public const string Spearman = "moments/spearman";
    /// <summary><c>moments/origin_mass</c>.</summary>
    public const string OriginMass = "moments/origin_mass";
    /// <summary>Prefix of <c>moments/q_hat@K</c>.</summary>
    public const string QHatPrefix = "moments/q_hat@";
    /// <summary>Prefix of <c>moments/C_diag@K</c>.</summary>
    public const string CDiagPrefix = "moments/C_diag@";
    /// <summary>Prefix of <c>moments/m_cap_tol@τ</c>: m∩(τ) = |J_max(τ) ∩ I_max(τ)|.</summary>
    public const string MCapTolPrefix = "moments/m_cap_tol@";
    /// <summary>Prefix of <c>moments/m_tol@τ</c>: |J_max(τ)|.</summary>
    public const string MTolPrefix = "moments/m_tol@";
    /// <summary>Prefix of <c>moments/m_g_tol@τ</c>: |I_max(τ)|.</summary>
    public const string MGTolPrefix = "moments/m_g_tol@";
    /// <summary><c>moments/tau_star</c>: the smallest relative tolerance at which the extremal sets meet.</summary>
    public const string TauStar = "moments/tau_star";
    /// <summary>Snapshot of the spectral plane.</summary>
    public const string PlaneSnapshot = "moments/plane";
    /// <summary>Snapshot of the rank–rank sample.</summary>
    public const string RankSampleSnapshot = "moments/rank_sample";
    /// <summary>Snapshot of the coupling surface.</summary>
    public const string SurfaceSnapshot = "moments/surface";
}
