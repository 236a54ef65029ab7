using PhaseScope.Consolidation;

namespace PhaseScope.Monitoring.Probes;

/// <summary>Settings of <see cref="CurvatureProbe"/> (seed 003 §6.1, §11.6). Defaults: λ_max by 20 Lanczos iterations to a
/// relative residual of 1e-3 every 100 steps on the training batch, cold every call, no power iteration or trace.</summary>
public sealed record CurvatureOptions
{
    /// <summary>When to run (null: every 100 steps).</summary>
    public ProbeSchedule? Schedule { get; init; }
    /// <summary>Lanczos iteration cap.</summary>
    public int MaxIterations { get; init; } = 20;
    /// <summary>Lanczos relative residual tolerance.</summary>
    public double Tolerance { get; init; } = 1e-3;
    /// <summary>Power iteration cap (0: skip power iteration).</summary>
    public int PowerIterations { get; init; }
    /// <summary>Hutchinson probes (0: skip the trace).</summary>
    public int HutchinsonSamples { get; init; }
    /// <summary>Seed of batches and start vectors.</summary>
    public long Seed { get; init; }
    /// <summary>
    /// Examples in the Hessian's batch (null: the loss source's, i.e. the training batch size). Each Hessian-vector product
    /// costs about two training steps on the batch it uses, so a sub-batch makes the probe proportionally cheaper; the price
    /// is that λ_max of a smaller batch's Hessian is a noisier estimate, biased upward (the largest eigenvalue of a noisy
    /// matrix tends to exceed that of its mean, by Weyl-type arguments).
    /// </summary>
    public int? BatchSize { get; init; }
    /// <summary>
    /// Follow λ_max with warm starts from the previous call's top Ritz vector (<see cref="LambdaMaxTracker"/>) instead of a
    /// cold Lanczos every call; null: cold every call. The probe owns the tracker (give each probe its own). Tracked, the
    /// Hessian's batch is the same at every call (drawn once from <see cref="Seed"/>): λ_max of one fixed batch, followed along θ.
    /// </summary>
    public LambdaMaxTracker? Tracker { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (BatchSize is < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The curvature batch needs at least one example.");
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "Lanczos needs at least one iteration.");
        if (!(Tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "The Lanczos tolerance must be positive.");
        if (PowerIterations < 0 || HutchinsonSamples < 0) throw new ArgumentOutOfRangeException(nameof(PowerIterations), "Iteration and sample counts must be ≥ 0.");
    }
}
