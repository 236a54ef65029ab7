namespace PhaseScope.SpectralEdge;

/// <summary>
/// Pearson correlation between a metric series x and another series y (e.g. the validation loss) at lags
/// ℓ = −L..L (seed 001, Test 4): r(ℓ) = corr(x_t, y_{t+ℓ}) over the t where both exist. A positive best lag means
/// x leads y. Series are aligned by index (resample to common steps first).
/// </summary>
public static class LaggedCorrelation
{
    /// <summary>r(ℓ) for every lag, NaN where fewer than 3 pairs or a constant side; and the lag of the largest |r|.</summary>
    public static (IReadOnlyList<(int Lag, double R)> ByLag, int BestLag, double BestR) Compute(IReadOnlyList<double> x, IReadOnlyList<double> y, int maxLag)
    {
        if (x.Count != y.Count) throw new ArgumentException($"The series must have equal length (got {x.Count} and {y.Count}); resample them on common steps.");
        if (maxLag < 0) throw new ArgumentOutOfRangeException(nameof(maxLag), maxLag, "The maximum lag must be ≥ 0.");
        maxLag = Math.Min(maxLag, Math.Max(0, x.Count - 1));   // longer lags pair nothing (and int.MaxValue would overflow the loop)
        var result = new List<(int, double)>();
        int bestLag = 0;
        double bestR = double.NaN;
        for (int lag = -maxLag; lag <= maxLag; lag++)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int t = 0; t < x.Count; t++)
            {
                int u = t + lag;
                if (u < 0 || u >= y.Count || !double.IsFinite(x[t]) || !double.IsFinite(y[u])) continue;
                xs.Add(x[t]);
                ys.Add(y[u]);
            }
            double r = Pearson(xs, ys);
            result.Add((lag, r));
            if (!double.IsNaN(r) && (double.IsNaN(bestR) || Math.Abs(r) > Math.Abs(bestR))) { bestR = r; bestLag = lag; }
        }
        return (result, bestLag, bestR);
    }

    /// <summary>Pearson's r, NaN for fewer than 3 pairs or zero variance.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count;
        if (n < 3 || y.Count != n) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double a = x[i] - mx, b = y[i] - my;
            sxy += a * b; sxx += a * a; syy += b * b;
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }
}
