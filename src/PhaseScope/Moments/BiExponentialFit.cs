namespace PhaseScope.Moments;

/// <summary>
/// The phenomenological bi-exponential model of the residual (seed 000, eq. 9–11):
/// Δ(k) ≈ log[1 + A₁e^(−λ₁k) + A₂e^(−λ₂k)], i.e. y(k) = e^Δ(k) − 1 ≈ A₁e^(−λ₁k) + A₂e^(−λ₂k), the two-mode
/// effective spectral density ρ_eff = A₁δ(λ−λ₁) + A₂δ(λ−λ₂) (eq. 11). By eq. 7, y(k) = (1/m) Σ_{j∉J_max} e^(−λ_j k)
/// exactly, a positive sum of exponentials, so the fit is made on log y (relative error, every order
/// weighted alike; in Δ the large orders, where Δ → 0, would not count).
/// Fitted by Nelder–Mead from a two-stage start (slow mode from the upper half of the orders, fast mode
/// from what remains in the lower half), with A &gt; 0 and λ₂ &gt; λ₁ &gt; 0 by construction. The two-mode
/// model is accepted only when it earns its parameters: its RMS error in log y must be below half that
/// of a single exponential, and the modes must differ (λ₂/λ₁ ≥ 1.05); otherwise the result says
/// "no fit" and why (the seed's "consistently bi-exponential" is a claim to check, not an assumption).
/// </summary>
/// <param name="Fitted">Whether the two-mode model is supported.</param>
/// <param name="Reason">Why not, when not fitted.</param>
/// <param name="A1">A₁, weight of the slow mode.</param>
/// <param name="Lambda1">λ₁, the smaller rate.</param>
/// <param name="A2">A₂.</param>
/// <param name="Lambda2">λ₂ &gt; λ₁.</param>
/// <param name="RmsLogError">RMS of log y_fit − log y over the orders used (two modes).</param>
/// <param name="SingleRmsLogError">The same for the best single exponential.</param>
/// <param name="RmsDeltaError">RMS of Δ_fit − Δ.</param>
/// <param name="Points">Orders used (k &gt; 0 with y &gt; 0 in the chosen range).</param>
public sealed record BiExponentialFit(bool Fitted, string? Reason, double A1, double Lambda1, double A2, double Lambda2,
    double RmsLogError, double SingleRmsLogError, double RmsDeltaError, int Points)
{
    /// <summary>Fits Δ(k) over orders in [<paramref name="minOrder"/>, <paramref name="maxOrder"/>].</summary>
    public static BiExponentialFit Fit(IReadOnlyList<double> orders, IReadOnlyList<double> residual, double minOrder = 0, double maxOrder = double.PositiveInfinity)
    {
        if (orders.Count != residual.Count) throw new ArgumentException($"{orders.Count} orders but {residual.Count} residuals.");
        var pts = orders.Zip(residual).Where(p => p.First > 0 && p.First >= minOrder && p.First <= maxOrder && double.IsFinite(p.Second))
            .Select(p => (K: p.First, Y: LogSpace.Expm1(p.Second))).Where(p => p.Y > 0 && double.IsFinite(Math.Log(p.Y))).OrderBy(p => p.K).ToArray();
        if (pts.Length < 6)
            return NoFit($"{pts.Length} usable orders (k > 0 with Δ(k) > 0) in the range; a two-mode fit (4 parameters) needs at least 6.", pts.Length);
        var k = pts.Select(p => p.K).ToArray();
        var logY = pts.Select(p => Math.Log(p.Y)).ToArray();

        var (single, singleRms) = Line(k, logY);
        int half = k.Length / 2;
        var (slow, _) = Line(k[half..], logY[half..]);
        double lambdaSlow = Math.Max(-slow.Slope, 1e-6), aSlow = Math.Exp(slow.Intercept);
        var rest = k[..half].Select((kk, i) => (K: kk, R: pts[i].Y - aSlow * Math.Exp(-lambdaSlow * kk))).Where(p => p.R > 0).ToArray();
        double lambdaFast = lambdaSlow * 3, aFast = Math.Max(pts[0].Y - aSlow * Math.Exp(-lambdaSlow * k[0]), aSlow * 0.1) * Math.Exp(lambdaFast * k[0]);
        if (rest.Length >= 2)
        {
            var (fast, _) = Line(rest.Select(p => p.K).ToArray(), rest.Select(p => Math.Log(p.R)).ToArray());
            if (-fast.Slope > lambdaSlow * 1.05) { lambdaFast = -fast.Slope; aFast = Math.Exp(fast.Intercept); }
        }
        // Parameters: log A₁, log λ₁, log A₂, log(λ₂ − λ₁).
        double Loss(double[] p)
        {
            double a1 = Math.Exp(p[0]), l1 = Math.Exp(p[1]), a2 = Math.Exp(p[2]), l2 = l1 + Math.Exp(p[3]), s = 0;
            for (int i = 0; i < k.Length; i++)
            {
                double r = Math.Log(a1 * Math.Exp(-l1 * k[i]) + a2 * Math.Exp(-l2 * k[i])) - logY[i];
                s += r * r;
            }
            return s;
        }
        var start = new[] { Math.Log(aSlow), Math.Log(lambdaSlow), Math.Log(Math.Max(aFast, 1e-300)), Math.Log(Math.Max(lambdaFast - lambdaSlow, 1e-6 * lambdaSlow)) };
        var (best, value) = NelderMead.Minimize(Loss, start, [0.5, 0.3, 0.5, 0.3]);
        (best, value) = NelderMead.Minimize(Loss, best, [0.1, 0.05, 0.1, 0.05]);
        double A1 = Math.Exp(best[0]), L1 = Math.Exp(best[1]), A2 = Math.Exp(best[2]), L2 = L1 + Math.Exp(best[3]);
        double rms = Math.Sqrt(value / k.Length);
        double rmsDelta = Math.Sqrt(pts.Select((p, i) => Math.Pow(LogSpace.Log1p(A1 * Math.Exp(-L1 * k[i]) + A2 * Math.Exp(-L2 * k[i])) - LogSpace.Log1p(p.Y), 2)).Average());
        string? reason = null;
        if (L2 / L1 < 1.05) reason = FormattableString.Invariant($"the two decay rates coincide (λ₂/λ₁ = {L2 / L1:G4}): one mode describes the data.");
        else if (!(rms < 0.5 * singleRms)) reason = FormattableString.Invariant($"two modes do not halve the error of one (RMS log error {rms:G3} vs {singleRms:G3}): the data do not support a second mode.");
        return new BiExponentialFit(reason is null, reason, A1, L1, A2, L2, rms, singleRms, rmsDelta, k.Length);
    }

    static BiExponentialFit NoFit(string reason, int points) =>
        new(false, reason, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, points);

    /// <summary>Least-squares line y = a + b x with its RMS error.</summary>
    static ((double Intercept, double Slope) Line, double Rms) Line(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxx = x.Sum(v => (v - mx) * (v - mx)), sxy = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum();
        double slope = sxx == 0 ? 0 : sxy / sxx, intercept = my - slope * mx;
        double rms = Math.Sqrt(x.Zip(y, (a, b) => Math.Pow(intercept + slope * a - b, 2)).Average());
        return ((intercept, slope), rms);
    }
}
