namespace PhaseScope.Monitoring.Probes;

/// <summary>Settings of <see cref="ConsolidationProbe"/> (seed 003). Defaults: k = 8 micro-batches of the step's batch
/// every 10 steps, the Hill estimator on the top 100 magnitudes (§11.5), p crossings over 5 calls.</summary>
public sealed record ConsolidationOptions
{
    /// <summary>How the gradient samples are drawn (micro-batches of the step's batch, or extra batches, §11.1).</summary>
    public ConsolidationMethod Method { get; init; } = ConsolidationMethod.MicroBatches;
    /// <summary>k micro-batches or n extra batches (≥ 2).</summary>
    public int Samples { get; init; } = 8;
    /// <summary>When to run (null: every 10 steps).</summary>
    public ProbeSchedule? Schedule { get; init; }
    /// <summary>k of the Hill estimator (seed: 100).</summary>
    public int TailOrder { get; init; } = 100;
    /// <summary>Calls averaged before a p crossing counts (1: the seed's raw comparison).</summary>
    public int Smoothing { get; init; } = 5;
    /// <summary>The training batch size, for <c>c_alpha_step</c> and the sample batch size of extra batches (0: unknown).</summary>
    public int BatchSize { get; init; }
    /// <summary>Also write per-tensor C_α and p.</summary>
    public bool PerTensor { get; init; }
    /// <summary>Seed of the extra batches' draws.</summary>
    public long Seed { get; init; }
    /// <summary>Memory allowed for keeping the n gradient samples (n·P float64 values) for the covariance's participation
    /// ratio (<c>consolidation/participation_ratio</c>); a model whose samples do not fit is not measured (0: never).
    /// Default 256 MiB: the reference modular transformer with k = 8 needs 19 MB.</summary>
    public long SpectrumBytes { get; init; } = 256L << 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Samples < 2) throw new ArgumentOutOfRangeException(nameof(Samples), Samples, "C_α needs at least 2 gradient samples (micro-batches or extra batches).");
        if (TailOrder < 1) throw new ArgumentOutOfRangeException(nameof(TailOrder), TailOrder, "The Hill estimator needs k ≥ 1 order statistics.");
        if (Smoothing < 1) throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "p crossings need a smoothing window of at least 1 call.");
        if (SpectrumBytes < 0) throw new ArgumentOutOfRangeException(nameof(SpectrumBytes), SpectrumBytes, "The memory for the gradient samples' spectrum must be ≥ 0 bytes (0: not measured).");
        if (BatchSize < 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be ≥ 0 (0: unknown).");
    }

    /// <summary>The largest k in 8…2 that divides a batch of <paramref name="batch"/> (null: none does): the micro-batch count
    /// of a consolidation probe that is on by default (seed 003's k = 8 where it divides the batch, as <c>grok</c>'s).</summary>
    public static int? DividingMicroBatches(long batch)
    {
        for (int k = 8; k >= 2; k--)
            if (batch % k == 0) return k;
        return null;
    }
}
