namespace PhaseScope.Moments;

/// <summary>
/// θ or g holds NaN or ±∞, for which moments are undefined (log|±∞| = +∞ dominates every order; NaN
/// propagates). Detected from the statistics themselves (a NaN or infinite maximum or log-sum), so the
/// check costs no extra pass. The fix is upstream: the training diverged or the file is corrupt.
/// </summary>
public sealed class NonFiniteValuesException(string message) : ArgumentException(message)
{
    internal static void ThrowIfNonFinite(double value, string what)
    {
        if (double.IsNaN(value) || double.IsPositiveInfinity(value))
            throw new NonFiniteValuesException($"{what} contains NaN or ±Inf values; moments (seed 000) are defined for finite θ and g only. " +
                "Check the training for divergence or the file for corruption.");
    }
}
