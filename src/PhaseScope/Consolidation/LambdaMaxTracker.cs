using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>One call of <see cref="LambdaMaxTracker.Track"/>.</summary>
/// <param name="Result">The Lanczos result reported (warm when accepted, else the cold one); its top vector stays with the tracker (null here).</param>
/// <param name="Warm">Whether the reported value came from the warm start.</param>
/// <param name="Products">Hessian-vector products this call spent (warm and cold together).</param>
/// <param name="WarmLambdaMax">The warm start's λ_max whenever one ran (also when it was rejected or checked), else NaN.</param>
/// <param name="TrackingError">On a check call, |warm − cold| / |cold| for the same operator; else NaN.</param>
public sealed record TrackedLambdaMax(LanczosResult Result, bool Warm, int Products, double WarmLambdaMax, double TrackingError);

/// <summary>
/// λ_max(H) followed along training instead of recomputed (seed 003 §6.1 asks for λ_max, §11.6 by power
/// iteration). Between nearby steps the top eigenvector of the Hessian moves little, so Lanczos started from the previous
/// call's top Ritz vector needs a few products where a cold start from a random vector needs ~20. Each call:
/// <list type="number">
/// <item>with a kept vector, a warm Lanczos of at most <see cref="WarmIterations"/> products from it; its Ritz value is
/// accepted when the residual bound β_m|s_m|/|λ| is at most <see cref="LostResidual"/> (then an eigenvalue of H lies within
/// that relative distance, Parlett); above it the vector counts as lost and the call falls back to a cold start;</item>
/// <item>without one, or lost, or on every <see cref="CheckEvery"/>-th call, a cold Lanczos (random start, up to the cold
/// cap); on such a check call the warm value is reported against the cold one as the measured tracking error.</item>
/// </list>
/// The residual test cannot see a new eigenvalue rising above the tracked one in a direction the warm Krylov space
/// {v, Hv, …} barely contains (if v is still an eigenvector, the warm start is exact for the old one): the periodic
/// cold check bounds how long such a jump goes unseen, and its tracking error measures how often it happens.
/// </summary>
public sealed class LambdaMaxTracker : IDisposable
{
    Tensor? vector;
    long calls;

    /// <summary>Creates a tracker.</summary>
    /// <param name="warmIterations">Products of a warm start (≥ 1).</param>
    /// <param name="lostResidual">Relative residual above which the warm value is rejected (&gt; 0).</param>
    /// <param name="checkEvery">Every this-many calls, a cold call also runs and the tracking error is measured (0: never).</param>
    public LambdaMaxTracker(int warmIterations = 3, double lostResidual = 0.02, int checkEvery = 10)
    {
        if (warmIterations < 1) throw new ArgumentOutOfRangeException(nameof(warmIterations), warmIterations, "A warm start needs at least one product.");
        if (!(lostResidual > 0) || double.IsInfinity(lostResidual)) throw new ArgumentOutOfRangeException(nameof(lostResidual), lostResidual, "The lost-vector residual must be a positive number.");
        if (checkEvery < 0) throw new ArgumentOutOfRangeException(nameof(checkEvery), checkEvery, "checkEvery must be ≥ 0 (0: never check).");
        WarmIterations = warmIterations;
        LostResidual = lostResidual;
        CheckEvery = checkEvery;
    }

    /// <summary>Products of a warm start.</summary>
    public int WarmIterations { get; }
    /// <summary>Relative residual above which the tracked vector counts as lost.</summary>
    public double LostResidual { get; }
    /// <summary>Every this-many calls a cold check (0: never).</summary>
    public int CheckEvery { get; }
    /// <summary>The kept vector (float64, on the device of the last call), for tests of where it lives.</summary>
    internal Tensor? Vector => vector;
    /// <summary>Whether a vector is kept (the next call can start warm).</summary>
    public bool HasVector => vector is not null;

    /// <summary>λ_max of the operator <paramref name="apply"/> (v ↦ H v, float64, length <paramref name="dimension"/>).</summary>
    /// <param name="apply">The symmetric operator.</param>
    /// <param name="dimension">P.</param>
    /// <param name="coldIterations">Cap of a cold Lanczos.</param>
    /// <param name="tolerance">Lanczos stopping tolerance (both starts).</param>
    /// <param name="seed">Seed of a cold start's random vector.</param>
    /// <param name="device">Where the Lanczos vectors and the kept vector live (null: the CPU; <see cref="Lanczos.Run"/>).</param>
    public TrackedLambdaMax Track(Func<Tensor, Tensor> apply, long dimension, int coldIterations, double tolerance, long seed, Device? device = null)
    {
        calls++;
        if (vector is not null && vector.shape[0] != dimension) Forget();   // the parameters changed shape
        bool check = CheckEvery > 0 && calls % CheckEvery == 0;
        LanczosResult? warm = null;
        if (vector is not null)
        {
            warm = Lanczos.Run(apply, dimension, WarmIterations, tolerance, seed, start: vector, keepTopVector: true, device: device);
            if (warm.RelativeResidual <= LostResidual && !check)
            {
                Keep(warm.TopVector!);
                return new TrackedLambdaMax(warm with { TopVector = null }, true, warm.Iterations, warm.LambdaMax, double.NaN);
            }
        }
        var cold = Lanczos.Run(apply, dimension, coldIterations, tolerance, seed, keepTopVector: true, device: device);
        Keep(cold.TopVector!);
        warm?.TopVector?.Dispose();
        double warmValue = warm?.LambdaMax ?? double.NaN;
        double error = check && warm is not null ? Math.Abs(warmValue - cold.LambdaMax) / Math.Max(Math.Abs(cold.LambdaMax), 1e-300) : double.NaN;
        return new TrackedLambdaMax(cold with { TopVector = null }, false, (warm?.Iterations ?? 0) + cold.Iterations, warmValue, error);
    }

    void Keep(Tensor v)
    {
        vector?.Dispose();
        vector = v;
    }

    /// <summary>Calls so far (the count the periodic cold check is scheduled by).</summary>
    public long Calls => calls;

    /// <summary>A copy of the kept vector on the CPU (null: none), for a resume point.</summary>
    public Tensor? CopyOfVector() => vector?.detach().cpu().clone();

    /// <summary>Returns to the state of a tracker that had made <paramref name="callsSoFar"/> calls and kept
    /// <paramref name="kept"/> (copied; null: none), so its next call starts and checks as that tracker's would.</summary>
    /// <exception cref="ArgumentException">A negative count, or a kept vector that is not 1-D.</exception>
    public void Restore(Tensor? kept, long callsSoFar)
    {
        if (callsSoFar < 0) throw new ArgumentException($"A tracker's call count is ≥ 0 (got {callsSoFar}).", nameof(callsSoFar));
        if (kept is not null && kept.dim() != 1) throw new ArgumentException($"A kept vector is 1-D (got {kept.dim()} dimensions).", nameof(kept));
        Forget();
        if (kept is not null) vector = kept.detach().to_type(ScalarType.Float64).clone().DetachFromDisposeScope();
        calls = callsSoFar;
    }

    /// <summary>Drops the kept vector: the next call starts cold (when the operator changed size, or the state was lost).</summary>
    public void Forget()
    {
        vector?.Dispose();
        vector = null;
    }

    /// <inheritdoc />
    public void Dispose() => Forget();
}
