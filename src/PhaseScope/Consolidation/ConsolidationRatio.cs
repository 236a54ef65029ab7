namespace PhaseScope.Consolidation;

/// <summary>
/// Seed 003's consolidation ratio and the quantities derived from it, from n gradient samples.
/// <list type="bullet">
/// <item><see cref="Signal"/> = ‖ḡ‖² (§3.1, §11.1). It is biased up: E‖ḡ‖² = ‖μ‖² + Tr Σ / n
/// (docs/MATH.md "The consolidation ratio's signal is biased"). <see cref="SignalUnbiased"/> = ‖ḡ‖² − Tr Σ̂ / n is unbiased for ‖μ‖²
/// (it can be negative when the signal is buried in noise).</item>
/// <item><see cref="Noise"/> = Tr Σ̂, unbiased sample covariance (divisor n − 1), as the seed's code computes it.</item>
/// <item><see cref="CAlpha"/> = Signal / Noise (the seed's estimator) and <see cref="CAlphaUnbiased"/> =
/// SignalUnbiased / Noise; <see cref="P"/> = C/(1 + C) (§4.1) for each.</item>
/// </list>
/// Zero noise is defined, not divided by: when Tr Σ̂ = 0 and the signal is positive (all samples equal
/// and non-zero: a deterministic gradient), C_α = +∞ and p = 1; when the signal is 0 as well (every sample
/// is zero: a stationary point), C_α = 0 and p = 0 — there is no direction to trust. Whenever the signal is 0,
/// C_α = 0. Non-finite gradients give NaN. (The seed adds 1e-10 to the denominator instead, which turns a zero noise into C_α ≈ 1e10·signal.)
/// C_α is invariant under orthogonal changes of coordinates only, not under general
/// reparametrisations as §3.3 claims (its own proof sketch shows why); PhaseScope does not repeat the claim.
/// The noise depends on the batch size b of one sample (Tr Σ ∝ 1/b for batch means), so C_α of micro-batches
/// of size B/k is about k times smaller than C_α at the training batch B: <see cref="AtBatchSize"/> rescales.
/// Beware the bias there: with k micro-batches the signal's bias Tr Σ_{B/k}/k equals the whole noise at the
/// training batch, so the seed's C_α rescaled to B is C_true + 1 in expectation (p ≥ 0.5 by construction);
/// only the bias-corrected ratio is meaningful after rescaling (measured in docs/CONSOLIDATION.md).
/// </summary>
public sealed record ConsolidationRatio
{
    ConsolidationRatio(int sampleCount, double signal, double noise, int sampleBatchSize)
    {
        SampleCount = sampleCount;
        Signal = signal;
        Noise = noise;
        SampleBatchSize = sampleBatchSize;
        SignalBias = noise / sampleCount;
    }

    /// <summary>n.</summary>
    public int SampleCount { get; init; }
    /// <summary>‖ḡ‖².</summary>
    public double Signal { get; init; }
    /// <summary>Tr Σ̂ (at <see cref="SampleBatchSize"/>).</summary>
    public double Noise { get; init; }
    /// <summary>Examples behind one sample (0 when unknown).</summary>
    public int SampleBatchSize { get; init; }
    /// <summary>The bias of <see cref="Signal"/>, Tr Σ̂/n of the samples as drawn (kept by <see cref="AtBatchSize"/>).</summary>
    public double SignalBias { get; init; }

    /// <summary>
    /// Builds the ratio. Validates n ≥ 2 only; a negative noise within round-off of zero (1e-12 of the signal) is read as
    /// zero, and other sums are kept as given: a diverged step's non-finite gradients give a non-finite ratio for the
    /// caller to drop, rather than an exception that would turn the probe off for the rest of the run.
    /// </summary>
    public static ConsolidationRatio From(int sampleCount, double signal, double noise, int sampleBatchSize = 0)
    {
        if (sampleCount < 2) throw new ArgumentOutOfRangeException(nameof(sampleCount), sampleCount, "C_α needs at least 2 gradient samples (the covariance of one sample is undefined).");
        if (noise < 0 && noise > -1e-12 * Math.Max(signal, 1e-300)) noise = 0; // round-off of a zero variance
        return new ConsolidationRatio(sampleCount, signal, noise, sampleBatchSize);
    }

    /// <summary>‖ḡ‖² − Tr Σ̂ / n, unbiased for ‖μ‖².</summary>
    public double SignalUnbiased => Signal - SignalBias;

    /// <summary>C_α = ‖ḡ‖² / Tr Σ̂ (§3.1), with the zero-noise convention of the type's remarks.</summary>
    public double CAlpha => Ratio(Signal, Noise);

    /// <summary>(‖ḡ‖² − Tr Σ̂/n) / Tr Σ̂, the bias-corrected consolidation ratio; may be negative.</summary>
    public double CAlphaUnbiased => Ratio(SignalUnbiased, Noise);

    /// <summary>p = C_α/(1 + C_α) (§4.1).</summary>
    public double P => Probability(CAlpha);

    /// <summary>p of the bias-corrected ratio (clamped at 0 when the corrected signal is negative).</summary>
    public double PUnbiased => Probability(Math.Max(0, CAlphaUnbiased));

    /// <summary>The §12.1 state of <see cref="P"/>.</summary>
    public ConsolidationState State => ConsolidationStates.Classify(P);

    /// <summary>
    /// The same estimate with the noise rescaled to gradients of batch size <paramref name="batchSize"/>
    /// (Tr Σ_b = Tr Σ_{b₀}·b₀/b for means of i.i.d. examples); the signal and its bias (that of the samples as
    /// drawn) are kept. Requires a known sample batch size.
    /// </summary>
    public ConsolidationRatio AtBatchSize(int batchSize)
    {
        if (SampleBatchSize <= 0) throw new InvalidOperationException("The batch size behind one gradient sample is unknown, so the noise cannot be rescaled.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        return this with { Noise = Noise * SampleBatchSize / batchSize, SampleBatchSize = batchSize };
    }

    /// <summary>p = C/(1 + C), with p(+∞) = 1.</summary>
    public static double Probability(double c) =>
        double.IsNaN(c) ? double.NaN : double.IsPositiveInfinity(c) ? 1.0 : c / (1 + c);

    static double Ratio(double signal, double noise) =>
        double.IsNaN(signal) || double.IsNaN(noise) || double.IsInfinity(noise) ? double.NaN
        : signal == 0 ? 0 : noise > 0 ? signal / noise : signal > 0 ? double.PositiveInfinity : double.NegativeInfinity;
}
