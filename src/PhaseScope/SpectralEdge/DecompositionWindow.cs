namespace PhaseScope.SpectralEdge;

/// <summary>
/// The checkpoints one loss decomposition at timepoint t reads (seed 001 §28, Test 8, step 1: "a window of W consecutive
/// parameter updates centred at t"): with checkpoints s steps apart, the window's W updates run from checkpoint
/// t − (W/2)·s to checkpoint t + (W/2)·s (W + 1 checkpoints, W/2 updates on each side of t, so the two half-windows of the
/// split-half stability are the updates before and after t). The actual change is measured over two horizons after t:
/// the forward half (t → t + (W/2)·s, inside the window) and the next window (t → t + W·s, half of it beyond the window;
/// optional: near the end of a run its checkpoint may not exist).
/// W must be even (the halves are equal) and at least 4 (each half holds two updates, one ratio of singular values).
/// </summary>
/// <param name="Timepoint">t, a checkpoint's step.</param>
/// <param name="Size">W, updates in the window.</param>
/// <param name="Stride">s, steps between consecutive checkpoints of the window.</param>
public sealed record DecompositionWindow(long Timepoint, int Size, long Stride)
{
    /// <summary>Checks W and s (see the class remarks).</summary>
    /// <exception cref="ArgumentOutOfRangeException">W odd or below 4, or s below 1.</exception>
    public static DecompositionWindow Of(long timepoint, int size, long stride)
    {
        if (size < 4 || size % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"A decomposition window needs an even W ≥ 4 (two equal half-windows of at least two updates); got {size}.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"The checkpoint spacing s must be at least 1 step; got {stride}.");
        return new DecompositionWindow(timepoint, size, stride);
    }

    /// <summary>W/2, the updates on each side of t.</summary>
    public int Half => Size / 2;
    /// <summary>t − (W/2)·s, the window's first checkpoint.</summary>
    public long Start => Timepoint - Half * Stride;
    /// <summary>t + (W/2)·s, the window's last checkpoint and the end of the forward half.</summary>
    public long End => Timepoint + Half * Stride;
    /// <summary>t + W·s, the end of the next window.</summary>
    public long NextEnd => Timepoint + Size * Stride;
    /// <summary>W·s, the steps the window spans.</summary>
    public long Span => Size * Stride;

    /// <summary>The W + 1 checkpoint steps of the window, oldest first.</summary>
    public long[] WindowSteps() => Enumerable.Range(0, Size + 1).Select(i => Start + i * Stride).ToArray();

    /// <summary>The first step of the window that <paramref name="available"/> lacks, or null when all are there (the next
    /// window's end is not required).</summary>
    public long? FirstMissing(IReadOnlySet<long> available) => WindowSteps().Cast<long?>().FirstOrDefault(s => !available.Contains(s!.Value));

    /// <summary>The timepoints whose window fits checkpoints from <paramref name="first"/> to <paramref name="last"/>:
    /// t ∈ [first + (W/2)·s, last − (W/2)·s] (empty when the minimum exceeds the maximum).</summary>
    public static (long Min, long Max) TimepointRange(int size, long stride, long first, long last) => (first + size / 2 * stride, last - size / 2 * stride);
}
