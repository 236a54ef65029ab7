using PhaseScope.Moments;

namespace PhaseScope.Monitoring.Probes;

/// <summary>Settings of <see cref="MomentsProbe"/> (seed 000). Defaults: log-spaced calls (10 per decade, at most every 100
/// steps), the diagonal C(K, K) at K = 2, 4, 8, 16, 32, m∩ with the relative tolerances 10⁻⁶, 10⁻³, 10⁻² and 10⁻¹ beside the
/// strict one, global metrics only, no snapshots.</summary>
public sealed record MomentsOptions
{
    /// <summary>When to run (null: log-spaced, 10 per decade, at most every 100 steps).</summary>
    public ProbeSchedule? Schedule { get; init; }
    /// <summary>Orders K of the diagonal C(K, K) (null: 2, 4, 8, 16, 32; seed 000 uses K ∈ [10, 50] for Q̂_α).</summary>
    public IReadOnlyList<double>? Orders { get; init; }
    /// <summary>Relative tolerances τ of m∩(τ) (<see cref="ToleranceAlignment"/>), each in [0, 1); empty: no tolerance metrics. The
    /// defaults span float32 rounding (10⁻⁶, a few ulps of the maximum) to a loose 10 %.</summary>
    public IReadOnlyList<double> Tolerances { get; init; } = DefaultTolerances;
    /// <summary>10⁻⁶, 10⁻³, 10⁻², 10⁻¹.</summary>
    public static readonly IReadOnlyList<double> DefaultTolerances = [1e-6, 1e-3, 1e-2, 1e-1];
    /// <summary>Smallest change of Q̂_α between calls reported as an event, relative to max(1, |Q̂_α|).</summary>
    public double QHatJump { get; init; } = 0.5;
    /// <summary>Also write per-tensor m∩, d₀ and Q̂_α.</summary>
    public bool PerTensor { get; init; }
    /// <summary>Also write the spectral plane, the rank–rank sample and the coupling surface.</summary>
    public bool Snapshots { get; init; }
    /// <summary>Points of the rank–rank sample.</summary>
    public int SampleSize { get; init; } = 500;
    /// <summary>Orders k = l of the surface snapshot (null: 0, 4, …, 32).</summary>
    public IReadOnlyList<double>? SurfaceOrders { get; init; }
    /// <summary>With snapshots: write them at the first call and every this many calls after it (a snapshot adds the plane,
    /// rank-sample and surface passes to the call, docs/PERFORMANCE.md; grok's default 4 keeps ≈ 23 of the reference run's
    /// 92 calls).</summary>
    public int SnapshotEvery { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (SnapshotEvery < 1) throw new ArgumentOutOfRangeException(nameof(SnapshotEvery), SnapshotEvery, "Snapshots are written every N ≥ 1 calls.");
        if (SampleSize < 1) throw new ArgumentOutOfRangeException(nameof(SampleSize), SampleSize, "The rank–rank sample needs at least one point.");
        if (SurfaceOrders is not null) LogSpace.ValidateOrders(SurfaceOrders, nameof(SurfaceOrders));
        if (Orders is not null) LogSpace.ValidateOrders(Orders, nameof(Orders));
        foreach (var tau in Tolerances)
            if (!(tau >= 0 && tau < 1)) throw new ArgumentOutOfRangeException(nameof(Tolerances), tau, "Every relative tolerance of m∩(τ) must be in [0, 1).");
        if (!(QHatJump > 0)) throw new ArgumentOutOfRangeException(nameof(QHatJump), QHatJump, "The Q̂_α jump threshold must be positive.");
    }
}
