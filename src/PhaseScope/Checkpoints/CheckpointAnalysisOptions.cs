namespace PhaseScope.Checkpoints;

/// <summary>Settings of <see cref="CheckpointAnalyzer"/>, validated by <see cref="Validate"/>.</summary>
public sealed record CheckpointAnalysisOptions
{
    /// <summary>W, updates (consecutive checkpoint differences) per spectral window (seed 001's default 10).</summary>
    public int Window { get; init; } = 10;
    /// <summary>The tensors read: null or <c>all</c> (every floating-point tensor but normalisation buffers), <c>attention</c>, or a regular expression.</summary>
    public string? Tensors { get; init; }
    /// <summary>Orders K of Q̂_α(K) = −C(K, K)/log K with gradients (seed 000 Cor. 6.4's range, <see cref="Moments.PhaseReading.DefaultOrders"/>).</summary>
    public IReadOnlyList<double> Orders { get; init; } = Moments.PhaseReading.DefaultOrders;
    /// <summary>Order statistics of the Hill tail index on gradient samples (seed 003 §11.5).</summary>
    public int TailK { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (Window < 2) throw new ArgumentException($"The spectral window must hold at least 2 updates (got {Window}); one gap ratio needs two singular values.");
        if (TailK < 1) throw new ArgumentException($"The tail index needs at least 1 order statistic (got {TailK}).");
        if (Orders.Count == 0 || Orders.Any(k => !(k > 1) || !double.IsFinite(k))) throw new ArgumentException("Every order K of Q̂_α must be finite and above 1.");
    }
}
