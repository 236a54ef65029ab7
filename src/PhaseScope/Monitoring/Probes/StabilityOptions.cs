using PhaseScope.Stability;

namespace PhaseScope.Monitoring.Probes;

/// <summary>Settings of <see cref="StabilityProbe"/>. Defaults: directional sharpness along the update at every step,
/// λ_max(P⁻¹H) every 100 steps by a tracked Lanczos (3 warm products, a cold 20-product check every 10 calls), both on a
/// fixed 64-example batch.</summary>
public sealed record StabilityOptions
{
    /// <summary>Directional sharpness every this many steps (0: off).</summary>
    public int DirectionalEvery { get; init; } = 1;
    /// <summary>λ_max(P⁻¹H) and the margin every this many steps (0: off).</summary>
    public int PreconditionedEvery { get; init; } = 100;
    /// <summary>Examples of the Hessian's batch (drawn once, the same at every call, so the operator moves only with θ).</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Cold Lanczos cap.</summary>
    public int MaxIterations { get; init; } = 20;
    /// <summary>Lanczos relative tolerance.</summary>
    public double Tolerance { get; init; } = 1e-3;
    /// <summary>Seed of the batch and the cold starts.</summary>
    public long Seed { get; init; }
    /// <summary>The optimizer's preconditioner (null: none yet; <see cref="StabilityProbe.Connect"/> sets it once the optimizer exists).</summary>
    public IPreconditionerSource? Preconditioner { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (DirectionalEvery < 0 || PreconditionedEvery < 0) throw new ArgumentOutOfRangeException(nameof(DirectionalEvery), "Intervals must be ≥ 0 (0: off).");
        if (DirectionalEvery == 0 && PreconditionedEvery == 0) throw new ArgumentException("The stability probe needs the directional or the preconditioned reading on.", nameof(DirectionalEvery));
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The Hessian batch needs at least one example.");
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "Lanczos needs at least one iteration.");
        if (!(Tolerance > 0 && Tolerance < 1)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "The Lanczos tolerance must lie in (0, 1).");
    }

    /// <summary>The probe's interval: the greatest common divisor of the two that are on.</summary>
    internal int Interval => DirectionalEvery == 0 ? PreconditionedEvery : PreconditionedEvery == 0 ? DirectionalEvery : Gcd(DirectionalEvery, PreconditionedEvery);

    static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
