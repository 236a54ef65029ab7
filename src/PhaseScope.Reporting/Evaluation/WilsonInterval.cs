namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// The Wilson score interval of a proportion k/n (95 %: z = 1.959964): how sure a hit or false-positive rate over a
/// handful of runs lets one be. Unlike the normal approximation it stays inside [0, 1] and is informative at 0/n and
/// n/n (0 of 6 still admits up to 39 %), which is where the seeds' "24/24 vs 0/24" claims live.
/// </summary>
public static class WilsonInterval
{
    /// <summary>z for a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>(lower, upper) for k successes in n trials; (NaN, NaN) when n = 0.</summary>
    public static (double Lower, double Upper) Of(int k, int n, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        if (n == 0) return (double.NaN, double.NaN);
        double p = (double)k / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
