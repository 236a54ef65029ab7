using PhaseScope.Moments.Fast;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Seed 000's observables of one set of tensors θ (and, optionally, gradients g paired with them by position), the
/// global values merged from per-tensor partials: β, R*, m and log M(k) on the order grid, the residual
/// Δ(k) = log M(k) − βk − R* with its bi-exponential fit (eq. 9) and the effective multiplicity; with gradients also
/// <see cref="Coupling"/> (the surface C(k, l), the phase, the bounds and limits of §4, the spectral plane and the
/// rank–rank sample). <c>phasescope moments</c> formats it; the moments probe shares <see cref="PlaneAndSample"/>.
/// </summary>
/// <param name="Extremal">The extremal statistics of the union (seed 000 §2–3).</param>
/// <param name="Orders">The order grid k (= l).</param>
/// <param name="LogM">log M(k) on <paramref name="Orders"/>.</param>
/// <param name="Residual">Δ(k) = log M(k) − βk − R* (seed 000 eq. 8).</param>
/// <param name="EffectiveMultiplicity">exp(log M(k) − βk) clipped to [1, n] per order (<see cref="ToleranceSets.EffectiveMultiplicity"/>).</param>
/// <param name="Fit">The bi-exponential fit of the residual (eq. 9).</param>
/// <param name="Coupling">The coupling analysis (null without gradients).</param>
public sealed record MomentsAnalysis(ExtremalStatistics Extremal, double[] Orders, double[] LogM, double[] Residual,
    double[] EffectiveMultiplicity, BiExponentialFit Fit, CouplingAnalysis? Coupling)
{
    /// <summary>Why the extremal quantities are undefined (all-zero θ or g), or an empty list.</summary>
    /// <remarks>An all-zero θ or g has no largest magnitude, so β, R*, m (or β_g, R*_g, m_g, m∩, d₀), the coupling and
    /// the phase are undefined; callers say so instead of reporting β = −∞ and "every element is maximal" (m = n).</remarks>
    public IReadOnlyList<string> Degeneracies => [
        .. Extremal.ThetaAllZero ? ["θ is all zero: there is no largest |θ|, so β, R*, m, the coupling and the phase are undefined (seed 000 §2 needs some θ_i ≠ 0)."] : Array.Empty<string>(),
        .. Extremal.GradAllZero ? ["g is all zero: there is no largest |g|, so β_g, R*_g, m_g, m∩, d₀, the coupling and the phase are undefined (seed 000 §3 needs some g_i ≠ 0)."] : Array.Empty<string>(),
    ];

    /// <summary>
    /// The analysis of <paramref name="tensors"/> on <paramref name="orders"/>. Gradients are used when every tensor has
    /// one; the plane and the rank–rank sample follow <paramref name="plane"/>.
    /// </summary>
    /// <exception cref="NonFiniteValuesException">θ or g holds NaN or ±Inf.</exception>
    public static MomentsAnalysis Of(IReadOnlyList<(string Name, Tensor Theta, Tensor? Grad)> tensors, double[] orders, PlaneSettings? plane = null)
    {
        if (tensors.Count == 0) throw new ArgumentException("No tensors: moments of an empty set are undefined.", nameof(tensors));
        plane ??= new PlaneSettings();
        bool withGrads = tensors.All(t => t.Grad is not null);
        ExtremalPartial? ex = null;
        DiagonalCoupling? diagonal = null;
        foreach (var (_, theta, grad) in tensors)
        {
            var p = ExtremalPartial.Of(theta, withGrads ? grad : null);
            ex = ex is null ? p : ex.Merge(p);
            if (!withGrads) continue;
            var dc = DiagonalCoupling.Of(theta, grad!, PhaseReading.DefaultOrders, p);
            diagonal = diagonal is null ? dc : diagonal.Merge(dc);
        }
        var x = ex!.Finish();
        double[] logM;
        CouplingAnalysis? coupling = null;
        if (!withGrads)
        {
            // Parameters only: log M(k) exactly, one log-sum-exp pass per order (Z(k, 0) of θ paired with itself is M(k)).
            CouplingPartial? cp = null;
            foreach (var (_, theta, _) in tensors)
            {
                var p = CouplingPartial.Of(theta, theta, orders, [0.0]);
                cp = cp is null ? p : cp.Merge(p);
            }
            logM = cp!.Finish().LogM;
        }
        else
        {
            coupling = CouplingAnalysis.Of(tensors, x, diagonal!, orders, plane);
            logM = coupling.Surface.LogM;
        }
        var residual = orders.Select((k, i) => logM[i] - x.Beta * k - x.RStar).ToArray();
        var effective = orders.Select((k, i) => ToleranceSets.EffectiveMultiplicity(x.Count, logM[i], k, x.Beta)).ToArray();
        return new MomentsAnalysis(x, orders, logM, residual, effective, BiExponentialFit.Fit(orders, residual), coupling);
    }

    /// <summary>
    /// The spectral plane (fig. 5, cells <paramref name="displayWidth"/> wide) and, with <paramref name="sampleSize"/> &gt; 0,
    /// the rank–rank sample (fig. 4) of the union of <paramref name="shards"/>, merged in their order; each shard's sample is
    /// seeded by its name and <paramref name="seed"/> (<see cref="RankSamplePartial.ShardSeed"/>), so the same shards and
    /// seed give the same points. θ and g must be finite (the extremal partials establish it).
    /// </summary>
    public static (SpectralPlane Plane, RankSample? Sample) PlaneAndSample(IEnumerable<(string Name, Tensor Theta, Tensor Grad)> shards,
        ExtremalStatistics extremal, double displayWidth, int sampleSize, ulong seed)
    {
        var histograms = new List<SpectralPlanePartial>();
        RankSamplePartial? sample = null;
        foreach (var (name, theta, grad) in shards)
        {
            histograms.Add(SpectralPlanePartial.Of(theta, grad));
            if (sampleSize == 0) continue;
            var s = RankSamplePartial.Of(theta, grad, sampleSize, RankSamplePartial.ShardSeed(name, seed));
            sample = sample is null ? s : sample.Merge(s);
        }
        if (histograms.Count == 0) throw new ArgumentException("No shards: the spectral plane of an empty set is undefined.", nameof(shards));
        return (SpectralPlanePartial.Union(histograms).Finish(extremal, displayWidth), sample?.Finish());
    }
}

/// <summary>How the spectral plane and the rank–rank sample of <see cref="MomentsAnalysis"/> are drawn.</summary>
/// <param name="DisplayWidth">Cell width of the plane in natural-log units (≥ <see cref="SpectralPlanePartial.DefaultBinWidth"/>).</param>
/// <param name="SampleSize">Points of the rank–rank sample (0: none).</param>
/// <param name="Seed">Seed of the sample.</param>
public sealed record PlaneSettings(double DisplayWidth = PlaneSettings.DefaultDisplayWidth, int SampleSize = 1000, ulong Seed = 0)
{
    /// <summary>The plane's default cell width (natural-log units), as the report draws it.</summary>
    public const double DefaultDisplayWidth = 0.5;
}
