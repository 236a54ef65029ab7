using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.SpectralEdge;

/// <summary>
/// The rolling window of the last W parameter updates δ_t = θ_t − θ_{t−s} (seed 001, Def. 1.2: the trajectory
/// matrix X ∈ ℝ^{W×P}, one update per row) with its Gram matrix G = X Xᵀ (Def. 1.3) kept up to date
/// incrementally: a push costs one matrix–vector product with the stored rows (W inner products), one inner
/// product of the update with itself and one copy, never a rebuild of X Xᵀ (which costs W² inner products).
/// Rows are stored in a ring buffer of a chosen dtype; inner products are summed in float64 whatever that dtype, and the
/// Gram entries are kept in float64 on the CPU.
/// <para>Sketched mode: with a sketch dimension P', rows are stored as S·δ (<see cref="CountSketch"/>), memory
/// W·P' values, and G̃ = (SX)(SX)ᵀ is an unbiased estimate of G. The diagonal's exact value ‖δ‖² costs one
/// more inner product; the worst relative diagonal error over the window is reported as a measured error.</para>
/// <para>Non-finite updates (NaN, ±Inf, or a ‖δ‖² that overflows the storage dtype) are rejected: the window
/// is left exactly as it was and stays usable.</para>
/// </summary>
public sealed class TrajectoryWindow : IDisposable
{
    readonly Tensor rows;           // [W, D] ring buffer
    readonly double[,] gram;        // by slot
    readonly double[] exactNormSq;  // ‖δ‖² by slot (exact even when sketched)
    readonly long[] steps;          // step of each slot
    readonly CountSketch? sketch;
    int next;                       // the slot the next push overwrites (the oldest once full)

    /// <summary>Creates an empty window.</summary>
    /// <param name="size">W, the number of updates kept (≥ 2).</param>
    /// <param name="dimension">P, the length of one update.</param>
    /// <param name="storage">dtype of the stored rows (Float32 or Float64).</param>
    /// <param name="device">Where rows live (the parameters' device).</param>
    /// <param name="sketchDimension">P' for sketched mode, or null for exact rows.</param>
    /// <param name="sketchSeed">Seed of the sketch's projection.</param>
    public TrajectoryWindow(int size, long dimension, ScalarType storage = ScalarType.Float32, Device? device = null,
        long? sketchDimension = null, long sketchSeed = 0)
    {
        if (size < 2) throw new ArgumentOutOfRangeException(nameof(size), size, "A trajectory window needs at least W = 2 updates (one ratio σ_1/σ_2).");
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The update length P must be positive.");
        if (storage is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"Window storage must be Float32 or Float64 (got {storage}).", nameof(storage));
        if (sketchDimension is long sd && (sd < 1 || sd >= dimension))
            throw new ArgumentOutOfRangeException(nameof(sketchDimension), sketchDimension, $"The sketch dimension must be between 1 and P − 1 = {dimension - 1}; omit it for exact rows.");
        Size = size;
        Dimension = dimension;
        Storage = storage;
        if (sketchDimension is long d) sketch = new CountSketch(dimension, d, sketchSeed, storage, device);
        StoredDimension = sketch?.SketchDimension ?? dimension;
        rows = zeros([size, StoredDimension], dtype: storage, device: device ?? CPU).DetachFromDisposeScope();
        gram = new double[size, size];
        exactNormSq = new double[size];
        steps = new long[size];
    }

    /// <summary>W.</summary>
    public int Size { get; }
    /// <summary>P.</summary>
    public long Dimension { get; }
    /// <summary>P' when sketched, else P.</summary>
    public long StoredDimension { get; }
    /// <summary>Whether rows are sketched.</summary>
    public bool Sketched => sketch is not null;
    /// <summary>Row dtype.</summary>
    public ScalarType Storage { get; }
    /// <summary>Updates held (≤ W).</summary>
    public int Count { get; private set; }
    /// <summary>The relative tolerance below which σ counts as rounding noise for rows of this dtype
    /// (<see cref="WindowSpectrum.Of"/>): 1e-7 for float64 rows, its √(W·ε) default for float32 rows.</summary>
    public double? RankTolerance => Storage == ScalarType.Float64 ? 1e-7 : null;
    /// <summary>Whether W updates are held.</summary>
    public bool IsFull => Count == Size;
    /// <summary>Bytes of the window: the rows plus, when sketched, the projection.</summary>
    public long Bytes => Size * StoredDimension * rows.ElementSize + (sketch?.Bytes ?? 0);
    /// <summary>Step of the newest update (0 when empty).</summary>
    public long LastStep => Count == 0 ? 0 : steps[(next - 1 + Size) % Size];

    /// <summary>Adds the update <paramref name="update"/> (1-D, length P) made at <paramref name="step"/>, evicting the
    /// oldest when full. Returns whether it was accepted and, when a full window slid to another full window,
    /// ‖ΔΣ‖_F, the change of the sliding-window second-moment matrix XᵀX (see <see cref="PushResult"/>).</summary>
    public PushResult Push(Tensor update, long step)
    {
        if (update.dim() != 1 || update.shape[0] != Dimension)
            throw new ArgumentException($"An update must be a 1-D tensor of length P = {Dimension}; got shape [{string.Join(", ", update.shape)}].", nameof(update));
        using var scope = NewDisposeScope();
        var x = sketch is null ? update.to_type(Storage) : sketch.Apply(update);
        var inner = InnerProducts(rows, x);
        double self = InnerProducts(x.unsqueeze(0), x)[0];
        double exact = sketch is null ? self : InnerProducts(update.unsqueeze(0), update)[0];
        // ‖δ‖² beyond the storage dtype's range counts as overflow, as on the host pass (the sums themselves are float64).
        double limit = Storage == ScalarType.Float32 ? float.MaxValue : double.MaxValue;
        if (!double.IsFinite(exact) || !double.IsFinite(self) || self > limit || exact > limit || inner.Any(v => !double.IsFinite(v)))
            return new PushResult(false, double.NaN, $"update at step {step} has non-finite values (NaN/±Inf, or ‖δ‖² overflows); the window is unchanged");

        rows[next].copy_(x);
        return Record(inner, self, exact, step);
    }

    /// <summary>
    /// Adds δ = current − previous, the update since the caller's snapshot <paramref name="previous"/> (1-D, length P, the
    /// storage dtype) of the tensors <paramref name="current"/> (flattened and concatenated in order, P elements in all),
    /// and on acceptance copies current into previous; a rejected update leaves the window and previous unchanged. For
    /// exact float32 rows on the CPU it runs as <see cref="WindowPass"/> (δ never materialised, one read of the rows);
    /// otherwise as <see cref="Push"/> on the concatenated difference. The result is <see cref="Push"/>'s.
    /// </summary>
    public PushResult PushDifference(IReadOnlyList<Tensor> current, Tensor previous, long step)
    {
        if (previous.dim() != 1 || previous.shape[0] != Dimension || previous.dtype != Storage)
            throw new ArgumentException($"The previous snapshot must be a 1-D {Storage} tensor of length P = {Dimension}; got {previous.dtype} [{string.Join(", ", previous.shape)}].", nameof(previous));
        long total = current.Sum(t => t.numel());
        if (total != Dimension)
            throw new ArgumentException($"The current tensors hold {total} elements; the window's updates have P = {Dimension}.", nameof(current));
        if (sketch is null && WindowPass.Applies(current, previous, rows))
        {
            var slots = Enumerable.Range(0, IsFull ? Size : Count).ToArray();
            var sums = WindowPass.InnerProducts(current, previous, rows, slots);
            var inner = new double[Size];
            for (int j = 0; j < slots.Length; j++) inner[slots[j]] = sums[j];
            double self = sums[^1];
            // As on the tensor path, whose float32 ‖δ‖² is +∞ beyond float32's range.
            if (!double.IsFinite(self) || self > float.MaxValue || inner.Any(v => !double.IsFinite(v)))
                return new PushResult(false, double.NaN, $"update at step {step} has non-finite values (NaN/±Inf, or ‖δ‖² overflows); the window is unchanged");
            WindowPass.Commit(current, previous, rows, next);
            return Record(inner, self, self, step);
        }
        using var scope = NewDisposeScope();
        var flat = cat(current.Select(t => t.detach().flatten().to_type(Storage)).ToArray());
        var result = Push(flat.sub(previous), step);
        if (result.Accepted) previous.copy_(flat);
        return result;
    }

    /// <summary>Enters an accepted update whose row is already stored in slot <see cref="next"/>: its inner products with
    /// the held rows (by slot), its stored and exact squared norms.</summary>
    PushResult Record(double[] inner, double self, double exact, long step)
    {
        bool wasFull = IsFull;
        int slot = next;
        double deltaSigma = double.NaN;
        if (wasFull)
        {
            // Σ_t − Σ_{t−1} = a aᵀ − b bᵀ (a new, b evicted): ‖a aᵀ − b bᵀ‖²_F = ‖a‖⁴ + ‖b‖⁴ − 2⟨a, b⟩².
            double a2 = self, b2 = gram[slot, slot], ab = inner[slot];
            deltaSigma = Math.Sqrt(Math.Max(0, a2 * a2 + b2 * b2 - 2 * ab * ab));
        }
        for (int j = 0; j < Size; j++)
        {
            double v = j == slot ? self : (j < Count || wasFull ? inner[j] : 0);
            gram[slot, j] = gram[j, slot] = v;
        }
        exactNormSq[slot] = exact;
        steps[slot] = step;
        next = (next + 1) % Size;
        if (Count < Size) Count++;
        return new PushResult(true, deltaSigma, null);
    }

    /// <summary>Slots in chronological order (oldest first).</summary>
    int[] Order()
    {
        var order = new int[Count];
        int start = IsFull ? next : 0;
        for (int i = 0; i < Count; i++) order[i] = (start + i) % Size;
        return order;
    }

    /// <summary>G = X Xᵀ (Count × Count), rows oldest first. Sketched: G̃ = (SX)(SX)ᵀ.</summary>
    public double[,] Gram()
    {
        var order = Order();
        var g = new double[Count, Count];
        for (int i = 0; i < Count; i++)
            for (int j = 0; j < Count; j++) g[i, j] = gram[order[i], order[j]];
        return g;
    }

    /// <summary>Steps of the held updates, oldest first.</summary>
    public long[] Steps() => Order().Select(s => steps[s]).ToArray();

    /// <summary>Sketched mode: max over the window of |G̃_ii − ‖δ_i‖²| / ‖δ_i‖², the measured relative error of the
    /// sketch on the diagonal (0 for exact rows). NaN when empty.</summary>
    public double SketchDiagonalError()
    {
        if (Count == 0) return double.NaN;
        if (sketch is null) return 0;
        double worst = 0;
        foreach (int s in Order())
            if (exactNormSq[s] > 0) worst = Math.Max(worst, Math.Abs(gram[s, s] - exactNormSq[s]) / exactNormSq[s]);
        return worst;
    }

    /// <summary>X·v (Count values, oldest row first) for a 1-D <paramref name="vector"/> of length P: the inner products
    /// of every held update with v. Sketched: (SX)(Sv). Used to project gradients on the window's right singular
    /// vectors (<see cref="LossDecomposition"/>).</summary>
    public double[] Project(Tensor vector)
    {
        if (vector.dim() != 1 || vector.shape[0] != Dimension)
            throw new ArgumentException($"The vector must be 1-D of length P = {Dimension}; got shape [{string.Join(", ", vector.shape)}].", nameof(vector));
        using var scope = NewDisposeScope();
        var x = sketch is null ? vector.to_type(Storage) : sketch.Apply(vector);
        var all = InnerProducts(rows, x);
        return Order().Select(s => all[s]).ToArray();
    }

    /// <summary>Columns per block of <see cref="InnerProducts"/>'s float64 pass: 2²² values (32 MiB) over all rows.</summary>
    const long BlockValues = 1L << 22;

    /// <summary>⟨m_i, v⟩ for every row m_i of <paramref name="matrix"/> (2-D) with <paramref name="vector"/> (1-D), in float64
    /// whatever the dtypes: a float32 row times a float32 value is exact in float64 and the sums run in float64, so the
    /// result is the inner product of the stored values to ≈ 1e-16·√P relative. Float32 accumulation (libtorch's sgemv)
    /// errs by ≈ 1e-7·‖m_i‖‖v‖ on every Gram entry, which moved σ of a bulk 250× below σ₁ by 1e-5 to 3e-2 relative at
    /// P = 10⁶. Float32 operands are widened block by block, so the extra memory is bounded.</summary>
    static double[] InnerProducts(Tensor matrix, Tensor vector)
    {
        if (matrix.dtype == ScalarType.Float64 && vector.dtype == ScalarType.Float64)
            return matrix.mv(vector).cpu().data<double>().ToArray();
        long n = matrix.shape[1], block = Math.Max(1, BlockValues / Math.Max(1, matrix.shape[0]));
        using var total = zeros([matrix.shape[0]], ScalarType.Float64, device: matrix.device);
        for (long start = 0; start < n; start += block)
        {
            using var scope = NewDisposeScope();
            long length = Math.Min(block, n - start);
            KeptScalar.AddInPlace(total, matrix.narrow(1, start, length).to_type(ScalarType.Float64).mv(vector.narrow(0, start, length).to_type(ScalarType.Float64)));
        }
        return total.cpu().data<double>().ToArray();
    }

    /// <summary>The window's whole state, for resuming a run: the stored rows, the Gram entries, the exact norms and
    /// steps (all by slot, as held), the next slot and the count. The sketch is rebuilt from its seed.</summary>
    public (Tensor Rows, double[] Gram, double[] ExactNormSq, long[] Steps, int Next, int Count) ExportState()
    {
        var g = new double[Size * Size];
        for (int i = 0; i < Size; i++)
            for (int j = 0; j < Size; j++) g[i * Size + j] = gram[i, j];
        return (rows, g, (double[])exactNormSq.Clone(), (long[])steps.Clone(), next, Count);
    }

    /// <summary>Restores an <see cref="ExportState"/> of a window with the same W, stored dimension and dtype.</summary>
    public void ImportState(Tensor savedRows, double[] savedGram, double[] savedNorms, long[] savedSteps, int savedNext, int savedCount)
    {
        if (savedRows.dim() != 2 || savedRows.shape[0] != Size || savedRows.shape[1] != StoredDimension || savedRows.dtype != Storage)
            throw new InvalidDataException($"Saved window rows are {savedRows.dtype} [{string.Join(", ", savedRows.shape)}]; this window holds {Storage} [{Size}, {StoredDimension}].");
        if (savedGram.Length != Size * Size || savedNorms.Length != Size || savedSteps.Length != Size)
            throw new InvalidDataException($"Saved window state is for another window size (W = {Size} here).");
        if (savedNext < 0 || savedNext >= Size || savedCount < 0 || savedCount > Size)
            throw new InvalidDataException($"Saved window position {savedNext}/{savedCount} is outside W = {Size}.");
        rows.copy_(savedRows);
        for (int i = 0; i < Size; i++)
            for (int j = 0; j < Size; j++) gram[i, j] = savedGram[i * Size + j];
        Array.Copy(savedNorms, exactNormSq, Size);
        Array.Copy(savedSteps, steps, Size);
        next = savedNext;
        Count = savedCount;
    }

    /// <summary>Forgets every update (e.g. after parameters were reset); keeps the buffers.</summary>
    public void Clear()
    {
        Count = 0;
        next = 0;
        Array.Clear(gram);
        rows.zero_();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        rows.Dispose();
        sketch?.Dispose();
    }
}

/// <summary>The outcome of <see cref="TrajectoryWindow.Push"/>.</summary>
/// <param name="Accepted">False when the update held non-finite values (the window is unchanged).</param>
/// <param name="DeltaSigmaFrobenius">‖Σ_t − Σ_{t−1}‖_F with Σ = XᵀX, when a full window slid to the next full
/// window, else NaN. Seed 001 writes ‖ΔG‖_F (Def. 16.1) but applies its perturbation theory to the sliding-window
/// covariance (Def. 1.5, §11), whose nonzero eigenvalues are G's; comparing the W×W matrices entrywise would
/// subtract entries of different updates, since the rows shift by one. By Weyl, |λ_j(t) − λ_j(t−1)| ≤ this value.
/// It is computed exactly from inner products (‖a‖⁴ + ‖b‖⁴ − 2⟨a,b⟩²)^{1/2}, unnormalised like G.</param>
/// <param name="Rejection">Why the update was rejected, or null.</param>
public sealed record PushResult(bool Accepted, double DeltaSigmaFrobenius, string? Rejection);
