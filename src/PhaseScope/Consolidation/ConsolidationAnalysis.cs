using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>
/// Seed 003's reading of n gradient samples taken at one θ: C_α, p, signal and noise of their union (§3–4) and per
/// tensor, and the Hill tail index of the mean gradient ḡ with d_H (§11.5, §6.2). <c>phasescope consolidation</c>
/// formats it; the consolidation probe reads its samples with <see cref="ConsolidationPartial.MergeAll"/> the same way and
/// decides with <see cref="Deciding"/>.
/// </summary>
/// <param name="Global">C_α and p of the union of the tensors, on the samples divided by <paramref name="Scale"/>.</param>
/// <param name="PerTensor">The same per tensor, in the order given.</param>
/// <param name="Elements">Elements of one sample of each tensor.</param>
/// <param name="Tail">The Hill tail index of ḡ (merged over the tensors).</param>
/// <param name="Scale">The power of two the samples were divided by (1 when none): C_α, p and the tail index are
/// invariant under g → g/s; signal and noise scale by 1/s².</param>
public sealed record ConsolidationAnalysis(ConsolidationRatio Global, ConsolidationRatio[] PerTensor, long[] Elements, TailIndex Tail, double Scale)
{
    /// <summary>
    /// The reading of <paramref name="samples"/>, each tensor shaped [n, ...] (n samples of it, all tensors from the same
    /// n samples). The tail index is taken on the mean gradient ḡ, the gradient at θ that the samples estimate.
    /// </summary>
    /// <param name="samples">Named sample tensors (floating point, n ≥ 2 along dimension 0).</param>
    /// <param name="sampleBatchSize">Examples behind one sample (0: unknown), for <see cref="ConsolidationRatio.AtBatchSize"/>.</param>
    /// <param name="tailOrder">k of the Hill estimator (seed: 100).</param>
    /// <exception cref="ArgumentException">A tensor holds NaN or ±Inf (its name is the exception's ParamName), or the shapes disagree.</exception>
    public static ConsolidationAnalysis OfSamples(IReadOnlyList<(string Name, Tensor Samples)> samples, int sampleBatchSize, int tailOrder)
    {
        if (samples.Count == 0) throw new ArgumentException("No tensors: C_α of an empty set is undefined.", nameof(samples));
        if (tailOrder < 1) throw new ArgumentOutOfRangeException(nameof(tailOrder), tailOrder, "The Hill estimator needs k ≥ 1 order statistics.");
        long n = samples[0].Samples.shape.Length > 0 ? samples[0].Samples.shape[0] : 0;
        foreach (var (name, t) in samples)
            if (t.shape.Length < 1 || t.shape[0] != n)
                throw new ArgumentException($"Tensor '{name}' does not hold the {n} samples of the others along its first dimension.", name);
        if (n < 2) throw new ArgumentException($"{n} gradient sample(s): C_α needs at least 2 (the covariance of one sample is undefined).", nameof(samples));
        var data = samples.Select(s => s.Samples.to_type(ScalarType.Float64).DetachFromDisposeScope()).ToArray();
        try
        {
            // One read per tensor: its largest magnitude (NaN or ∞ when it holds any) both checks the values and sets the scale.
            var largest = data.Select(t => t.numel() > 0 ? t.abs().max().item<double>() : 0).ToArray();
            for (int i = 0; i < data.Length; i++)
                if (!double.IsFinite(largest[i]))
                    throw new ArgumentException($"Tensor '{samples[i].Name}' holds NaN or ±Inf values; C_α (seed 003) is defined for finite gradient samples only.", samples[i].Name);
            double scale = Rescale(data, largest.DefaultIfEmpty(0).Max());
            using var accumulator = new GradientSampleAccumulator(sampleBatchSize);
            for (long j = 0; j < n; j++)
            {
                using var scope = NewDisposeScope();
                accumulator.Add(data.Select(t => t.select(0, j)).ToArray());
            }
            var partials = accumulator.Finish();
            TailPartial? tail = null;
            foreach (var t in data)
            {
                using var mean = t.mean([0]);
                var part = TailPartial.Of(mean, tailOrder);
                tail = tail is null ? part : tail.Merge(part);
            }
            return new ConsolidationAnalysis(ConsolidationPartial.MergeAll(partials).Finish(), partials.Select(p => p.Finish()).ToArray(),
                partials.Select(p => p.Elements).ToArray(), tail!.Finish(), scale);
        }
        finally
        {
            foreach (var t in data) t.Dispose();
        }
    }

    /// <summary>
    /// Replaces the samples by their quotients by a power of two s near their largest magnitude <paramref name="max"/> when it is beyond 2^±500,
    /// and returns s (1 otherwise). C_α, p, the Hill tail index and every ratio are invariant under g → g/s (seed 003: C_α
    /// is a ratio of two quadratic forms of g; Hill uses ratios of magnitudes), and a power of two scales exactly; without
    /// it float64 samples of 1e200 overflow ‖ḡ‖² and Tr Σ̂ to ∞ and C_α = ∞/∞.
    /// </summary>
    static double Rescale(Tensor[] data, double max)
    {
        if (max == 0 || (max < Math.ScaleB(1.0, 500) && max > Math.ScaleB(1.0, -500))) return 1;
        double scale = Math.Pow(2, Math.Round(Math.Log2(max)));
        for (int i = 0; i < data.Length; i++)
        {
            // Out of place: for float64 samples to_type returned the caller's own tensor, which must stay as it was given.
            var scaled = KeptScalar.Div(data[i], scale).DetachFromDisposeScope();
            data[i].Dispose();
            data[i] = scaled;
        }
        return scale;
    }

    /// <summary>
    /// The p and C_α that decide (state, crossing events, controllers) for samples read at a training batch of
    /// <paramref name="trainingBatch"/> examples: with extra batches (which have the training batch size, as in the
    /// seed's §11.1) the seed's p; with micro-batches of B/k examples the bias-corrected p at the training batch
    /// (<paramref name="step"/>), because there the seed's signal is biased by Tr Σ_{B/k}/k, which is the whole noise
    /// at the training batch: the seed's formula would give C_α ≈ C_true + 1, p ≥ 0.5 by construction.
    /// </summary>
    /// <param name="global">C_α of the samples.</param>
    /// <param name="microBatches">The samples are micro-batches of the step's batch.</param>
    /// <param name="trainingBatch">The training batch size (0: unknown, then the seed's p decides).</param>
    /// <param name="step">C_α rescaled to the training batch, or null when it does not apply.</param>
    public static (double P, double CAlpha) Deciding(ConsolidationRatio global, bool microBatches, int trainingBatch, out ConsolidationRatio? step)
    {
        step = microBatches && trainingBatch > 0 && global.SampleBatchSize > 0 ? global.AtBatchSize(trainingBatch) : null;
        return step is { } s ? (s.PUnbiased, s.CAlphaUnbiased) : (global.P, global.CAlpha);
    }
}
