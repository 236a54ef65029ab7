namespace PhaseScope.Consolidation;

/// <summary>
/// Mergeable partial of seed 003's consolidation statistics over one shard of coordinates (one tensor,
/// or any set of tensors) from n gradient samples at a fixed θ: the squared norm of the sample mean
/// ‖ḡ‖² and the trace of the unbiased sample covariance Tr Σ̂ = Σ_c (1/(n−1)) Σ_j (g_jc − ḡ_c)²
/// (the seed's <c>grads.var(dim=0).sum()</c>, §11.1). Both are sums over coordinates, so shards merge by
/// addition; a global value is the merge of per-tensor partials, never a concatenation of tensors.
/// </summary>
/// <param name="SampleCount">n, the number of gradient samples (≥ 2).</param>
/// <param name="Elements">Number of coordinates in the shard.</param>
/// <param name="MeanSquaredNorm">‖ḡ‖², the seed's signal (§3.1).</param>
/// <param name="TraceCovariance">Tr Σ̂ (unbiased, divisor n − 1), the seed's noise.</param>
/// <param name="SampleBatchSize">Examples behind one gradient sample (0 when unknown); Tr Σ of a batch mean scales as 1/b.</param>
public sealed record ConsolidationPartial(int SampleCount, long Elements, double MeanSquaredNorm, double TraceCovariance, int SampleBatchSize = 0)
{
    /// <summary>The partial of the union of two disjoint coordinate shards observed with the same samples.</summary>
    /// <exception cref="ArgumentException">The shards were estimated from different numbers of samples.</exception>
    public ConsolidationPartial Merge(ConsolidationPartial other)
    {
        if (other.SampleCount != SampleCount)
            throw new ArgumentException($"Cannot merge consolidation partials from {SampleCount} and {other.SampleCount} gradient samples; every shard must see the same samples.", nameof(other));
        return new ConsolidationPartial(SampleCount, Elements + other.Elements, MeanSquaredNorm + other.MeanSquaredNorm,
            TraceCovariance + other.TraceCovariance, SampleBatchSize == other.SampleBatchSize ? SampleBatchSize : 0);
    }

    /// <summary>C_α, p and the bias-corrected signal of this shard.</summary>
    public ConsolidationRatio Finish() => ConsolidationRatio.From(SampleCount, MeanSquaredNorm, TraceCovariance, SampleBatchSize);

    /// <summary>Merges a non-empty sequence of partials.</summary>
    public static ConsolidationPartial MergeAll(IEnumerable<ConsolidationPartial> partials) =>
        partials.Aggregate((a, b) => a.Merge(b));
}
