using System.Collections.Concurrent;

namespace PhaseScope.SpectralEdge;

/// <summary>
/// Null distribution of the maximum consecutive singular-value ratio max_j σ_j/σ_{j+1} of a window with a flat
/// spectrum (seed 001, Prop. 6.4): under H₀ all signal strengths are equal, i.e. the W updates are i.i.d. isotropic
/// Gaussian in ℝ^P and G = X Xᵀ is Wishart_W(P, I). The seed gives the limit law only in words (and its numbers
/// were lost in extraction), so it is simulated: G is drawn by the Bartlett decomposition G = L Lᵀ with
/// L_ii² ~ χ²_{P−i+1}, L_ij ~ N(0, 1) below the diagonal, which costs O(W²) random numbers per draw whatever P is.
/// The law depends on P as well as W (the ratios tend to 1 + O(√(W/P))), so the cache key is (W, P, draws, seed).
/// </summary>
public sealed class MaxRatioNull
{
    static readonly ConcurrentDictionary<(int, long, int, long), MaxRatioNull> Cache = new();
    readonly double[] sorted;

    MaxRatioNull(int window, long dimension, double[] draws)
    {
        Window = window;
        Dimension = dimension;
        sorted = draws;
        Array.Sort(sorted);
    }

    /// <summary>W.</summary>
    public int Window { get; }
    /// <summary>P.</summary>
    public long Dimension { get; }
    /// <summary>Number of simulated windows.</summary>
    public int Draws => sorted.Length;

    /// <summary>The simulated null for W updates of length P (cached).</summary>
    public static MaxRatioNull For(int window, long dimension, int draws = 4000, long seed = 0)
    {
        if (window < 2) throw new ArgumentOutOfRangeException(nameof(window), window, "The null needs W ≥ 2.");
        if (dimension < window) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"The null is for P ≥ W (got P = {dimension}, W = {window}); with P < W the Gram matrix is singular.");
        if (draws < 100) throw new ArgumentOutOfRangeException(nameof(draws), draws, "Use at least 100 draws.");
        return Cache.GetOrAdd((window, dimension, draws, seed), _ => new MaxRatioNull(window, dimension, Simulate(window, dimension, draws, seed)));
    }

    /// <summary>The q-quantile of max_j σ_j/σ_{j+1} under H₀.</summary>
    public double Quantile(double q)
    {
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "A quantile level lies in [0, 1].");
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>P(max ratio ≥ <paramref name="observed"/> | H₀), estimated as (1 + #draws ≥ observed)/(draws + 1).</summary>
    public double PValue(double observed)
    {
        if (double.IsNaN(observed)) return double.NaN;
        int idx = Array.BinarySearch(sorted, observed);
        if (idx < 0) idx = ~idx;
        else while (idx > 0 && sorted[idx - 1] == observed) idx--;
        return (1.0 + sorted.Length - idx) / (sorted.Length + 1.0);
    }

    static double[] Simulate(int w, long p, int draws, long seed)
    {
        var rng = new Random(unchecked((int)(seed * 1_000_003 + w * 7919 + p)));
        var result = new double[draws];
        var l = new double[w, w];
        var g = new double[w, w];
        for (int d = 0; d < draws; d++)
        {
            Array.Clear(l);
            for (int i = 0; i < w; i++)
            {
                l[i, i] = Math.Sqrt(ChiSquared(rng, p - i));
                for (int j = 0; j < i; j++) l[i, j] = Normal(rng);
            }
            for (int i = 0; i < w; i++)
                for (int j = 0; j <= i; j++)
                {
                    double s = 0;
                    for (int k = 0; k <= j; k++) s += l[i, k] * l[j, k];
                    g[i, j] = g[j, i] = s;
                }
            var (values, _) = SymmetricEigen.Decompose(g);
            double best = 0;
            for (int j = 0; j + 1 < w; j++) best = Math.Max(best, Math.Sqrt(values[j] / values[j + 1]));
            result[d] = best;
        }
        return result;
    }

    static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>χ²_ν = Gamma(ν/2, 2), by Marsaglia–Tsang (exact for shape ≥ 1; ν = 1 is a squared normal).</summary>
    static double ChiSquared(Random rng, long nu)
    {
        if (nu == 1) { double z = Normal(rng); return z * z; }
        double a = nu / 2.0, d = a - 1.0 / 3.0, c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = Normal(rng); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            double u = 1.0 - rng.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return 2 * d * v;
        }
    }
}
