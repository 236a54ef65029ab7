namespace PhaseScope.SpectralEdge;

/// <summary>
/// A continuous power law p(x) ∝ x^{−α} for x ≥ x_min fitted to the upper tail of positive values (the
/// WeightWatcher-style fit of a layer's eigenvalue density; Clauset, Shalizi &amp; Newman 2009): for each candidate
/// x_min among the values, the MLE α̂ = 1 + n / Σ_{x_i ≥ x_min} ln(x_i/x_min); the x_min kept is the one whose fitted
/// CDF F(x) = 1 − (x/x_min)^{1−α̂} has the smallest Kolmogorov–Smirnov distance to the empirical tail.
/// </summary>
/// <param name="Alpha">α̂ (density exponent), NaN when no fit.</param>
/// <param name="XMin">The chosen x_min.</param>
/// <param name="TailCount">n, values used (x ≥ x_min).</param>
/// <param name="KsDistance">The KS distance of the chosen fit.</param>
public sealed record PowerLawFit(double Alpha, double XMin, int TailCount, double KsDistance)
{
    /// <summary>Fits the tail of <paramref name="values"/> (non-positive and non-finite values are ignored), with at
    /// least <paramref name="minTail"/> values in the tail; NaN α when fewer positive values exist.</summary>
    public static PowerLawFit Fit(IEnumerable<double> values, int minTail = 10)
    {
        if (minTail < 2) throw new ArgumentOutOfRangeException(nameof(minTail), minTail, "A tail needs at least 2 values.");
        var x = values.Where(v => v > 0 && double.IsFinite(v)).OrderBy(v => v).ToArray();
        int n = x.Length;
        if (n < minTail) return new PowerLawFit(double.NaN, double.NaN, n, double.NaN);
        // suffix sums of ln x for O(1) MLE per candidate
        var suffixLog = new double[n + 1];
        for (int i = n - 1; i >= 0; i--) suffixLog[i] = suffixLog[i + 1] + Math.Log(x[i]);
        PowerLawFit? best = null;
        for (int start = 0; start + minTail <= n; start++)
        {
            if (start > 0 && x[start] == x[start - 1]) continue;
            double xmin = x[start];
            int m = n - start;
            double sumLog = suffixLog[start] - m * Math.Log(xmin);
            if (!(sumLog > 0)) continue;
            double alpha = 1 + m / sumLog;
            double d = 0;
            for (int i = start; i < n; i++)
            {
                double fit = 1 - Math.Pow(x[i] / xmin, 1 - alpha);
                double lo = (double)(i - start) / m, hi = (double)(i - start + 1) / m;
                d = Math.Max(d, Math.Max(Math.Abs(fit - lo), Math.Abs(hi - fit)));
            }
            if (best is null || d < best.KsDistance) best = new PowerLawFit(alpha, xmin, m, d);
        }
        return best ?? new PowerLawFit(double.NaN, double.NaN, n, double.NaN);
    }
}
