using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Mergeable joint histogram of (log|θ_i|, log|g_i|) on a fixed grid of width h (natural log): the data of
/// seed 000's spectral plane (fig. 5: density over the decay rates λ_i = β − log|θ_i|, μ_i = β_g − log|g_i|)
/// and of its rank–rank relation (fig. 4: Spearman's ρ of |θ| and |g|).
/// <para>
/// The grid is anchored at log 1 = 0, not at β, so partials of different tensors share cells and merge by
/// adding counts; the shift to (λ, μ) happens in <see cref="Finish"/> with the merged β, β_g. Exact zeros
/// (λ or μ = ∞) get their own cell <see cref="Zero"/>, the lowest rank.
/// </para>
/// <para>
/// Spearman's ρ is computed from the cells as the Pearson correlation of mid-ranks with ties at cell
/// resolution. That equals the exact ρ (with mid-ranks for ties) whenever distinct values fall in distinct
/// cells, and otherwise differs from it only through the order of pairs inside one cell: with h = 1/32
/// a cell spans 3 % in magnitude. An exact ρ needs a global sort of every |θ| and |g|, which is not
/// mergeable; this is the trade made here, and the reason the width is an option.
/// </para>
/// </summary>
public sealed class SpectralPlanePartial
{
    /// <summary>The cell index of exact zeros.</summary>
    public const int Zero = int.MinValue;

    /// <summary>Default cell width in natural-log units.</summary>
    public const double DefaultBinWidth = 1.0 / 32;

    /// <summary>Largest dense index range handed to bincount before falling back to unique (sort).</summary>
    const long DenseLimit = 1L << 24;

    /// <summary>Whether a shard of <paramref name="n"/> pairs whose local index ranges span <paramref name="cells"/> cells is
    /// counted in a dense table (at most min(2²⁴, max(2¹⁶, 4n)) cells) rather than by sorted keys; the host pass follows it.</summary>
    internal static bool CountsDensely(long cells, long n) => cells <= Math.Min(DenseLimit, Math.Max(1L << 16, 4 * n));

    readonly Dictionary<(int Theta, int Grad), long> cells;

    SpectralPlanePartial(double binWidth, long count, Dictionary<(int, int), long> cells)
    {
        BinWidth = binWidth;
        Count = count;
        this.cells = cells;
    }

    /// <summary>Cell width h: cell (a, b) holds log|θ| ∈ [a·h, (a+1)·h) and log|g| ∈ [b·h, (b+1)·h).</summary>
    public double BinWidth { get; }

    /// <summary>n.</summary>
    public long Count { get; }

    /// <summary>Occupied cells and their counts.</summary>
    public IReadOnlyDictionary<(int Theta, int Grad), long> Cells => cells;

    /// <summary>The partial of one shard; θ and g of equal length, finite (a contiguous float32 CPU shard is counted on the
    /// host, <see cref="SpectralPlaneHostPass"/>).</summary>
    public static SpectralPlanePartial Of(Tensor theta, Tensor gradient, double binWidth = DefaultBinWidth)
    {
        if (!(binWidth > 0) || !double.IsFinite(binWidth))
            throw new ArgumentOutOfRangeException(nameof(binWidth), binWidth, "The cell width must be a positive finite number of natural-log units.");
        if (theta.numel() != gradient.numel())
            throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}; they are paired index by index.");
        var cells = new Dictionary<(int, int), long>();
        if (theta.numel() == 0) return new SpectralPlanePartial(binWidth, 0, cells);
        if (SpectralPlaneHostPass.Cells(theta, gradient, binWidth) is { } host) return new SpectralPlanePartial(binWidth, theta.numel(), host);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ia, minA, spanA) = CellIndex(theta, binWidth, "θ");
        var (ib, minB, spanB) = CellIndex(gradient, binWidth, "g");
        // Local index 0 is the zero cell, 1 + (a − min) the others.
        var key = KeptScalar.AddInPlace(KeptScalar.With(spanB, s => ia.mul_(s)), ib);
        Tensor values, counts;
        // Dense counting only while the index range is comparable to n; wide ranges (e.g. gradients over 30 decades)
        // would allocate millions of counters for a few thousand pairs: sort instead.
        if (CountsDensely(spanA * spanB, theta.numel()))
        {
            var dense = key.bincount(null!, spanA * spanB);
            values = dense.nonzero().flatten();
            counts = dense.index_select(0, values);
        }
        else
        {
            var (u, _, c) = key.unique(sorted: true, return_inverse: false, return_counts: true);
            values = u;
            counts = c ?? throw new InvalidOperationException("unique returned no counts although they were asked for.");
        }
        var vs = values.cpu().data<long>().ToArray();
        var cs = counts.cpu().data<long>().ToArray();
        for (int i = 0; i < vs.Length; i++)
        {
            long la = vs[i] / spanB, lb = vs[i] % spanB;
            cells[(la == 0 ? Zero : (int)(minA + la - 1), lb == 0 ? Zero : (int)(minB + lb - 1))] = cs[i];
        }
        return new SpectralPlanePartial(binWidth, theta.numel(), cells);
    }

    /// <summary>Local cell indices (int64, 0 for zeros), the smallest non-zero cell and the number of local indices.</summary>
    static (Tensor Index, long Min, long Span) CellIndex(Tensor x, double h, string what)
    {
        var a = x.detach().flatten().to_type(ScalarType.Float64).abs();
        NonFiniteValuesException.ThrowIfNonFinite(a.max().item<double>(), what);
        var zero = KeptScalar.Eq(a, 0);
        var cell = KeptScalar.Div(a.log(), h).floor();   // −∞ for zeros
        double min = KeptScalar.MaskedFill(cell, zero, double.PositiveInfinity).min().item<double>();
        if (double.IsPositiveInfinity(min)) return (zeros_like(a, ScalarType.Int64), 0, 1);   // every value is 0
        double max = cell.max().item<double>();
        var local = KeptScalar.MaskedFill(KeptScalar.Add(cell, -(min - 1)), zero, 0.0).to_type(ScalarType.Int64);
        return (local, (long)min, (long)(max - min) + 2);
    }

    /// <summary>The partial of the union of two shards (same cell width).</summary>
    public SpectralPlanePartial Merge(SpectralPlanePartial other)
    {
        if (other.BinWidth != BinWidth)
            throw new ArgumentException(FormattableString.Invariant($"Cannot merge spectral-plane partials of cell widths {BinWidth:G} and {other.BinWidth:G}; use one width for every shard."));
        var merged = new Dictionary<(int, int), long>(cells);
        foreach (var (cell, c) in other.cells) merged[cell] = merged.GetValueOrDefault(cell) + c;
        return new SpectralPlanePartial(BinWidth, Count + other.Count, merged);
    }

    /// <summary>The partial of the union of <paramref name="parts"/> (same cell width), in their order: the cells and counts of
    /// chaining <see cref="Merge"/>, and the same order of cells (the first part's, then each new cell where it first
    /// appears), so <see cref="Spearman"/>'s sums run in the same order; one table is filled instead of one copied per part.</summary>
    public static SpectralPlanePartial Union(IReadOnlyList<SpectralPlanePartial> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("No partials: the spectral plane of an empty set is undefined.", nameof(parts));
        var first = parts[0];
        var merged = new Dictionary<(int, int), long>(first.cells);
        long count = first.Count;
        foreach (var other in parts.Skip(1))
        {
            if (other.BinWidth != first.BinWidth)
                throw new ArgumentException(FormattableString.Invariant($"Cannot merge spectral-plane partials of cell widths {first.BinWidth:G} and {other.BinWidth:G}; use one width for every shard."));
            foreach (var (cell, c) in other.cells) merged[cell] = merged.GetValueOrDefault(cell) + c;
            count += other.Count;
        }
        return new SpectralPlanePartial(first.BinWidth, count, merged);
    }

    /// <summary>
    /// Spearman's ρ of |θ| and |g| at cell resolution (see the class remarks): the Pearson correlation of the
    /// mid-ranks of the cells' rows and columns, weighted by count. NaN when every |θ| or every |g| ties.
    /// </summary>
    public double Spearman()
    {
        var rows = MidRanks(cells.GroupBy(c => c.Key.Theta));
        var columns = MidRanks(cells.GroupBy(c => c.Key.Grad));
        double mean = (Count + 1) / 2.0, cov = 0;
        foreach (var ((a, b), c) in cells) cov += c * (rows[a].Rank - mean) * (columns[b].Rank - mean);
        double varA = rows.Values.Sum(r => r.Total * (r.Rank - mean) * (r.Rank - mean));
        double varB = columns.Values.Sum(r => r.Total * (r.Rank - mean) * (r.Rank - mean));
        return varA > 0 && varB > 0 ? cov / Math.Sqrt(varA * varB) : double.NaN;

        // Mid-rank and count of each row (or column), from one pass over its cells.
        static Dictionary<int, (double Rank, long Total)> MidRanks(IEnumerable<IGrouping<int, KeyValuePair<(int Theta, int Grad), long>>> groups)
        {
            var ranks = new Dictionary<int, (double, long)>();
            long before = 0;
            foreach (var g in groups.OrderBy(g => g.Key))
            {
                long total = g.Sum(c => c.Value);
                ranks[g.Key] = (before + (total + 1) / 2.0, total);
                before += total;
            }
            return ranks;
        }
    }

    /// <summary>
    /// The spectral plane in (λ, μ) = (β − log|θ|, β_g − log|g|) coordinates on a display grid of width
    /// <paramref name="displayWidth"/> (each fine cell goes to the display cell of its centre, clamped at 0),
    /// with the pairs off the plane (θ_i = 0 or g_i = 0) counted apart, and Spearman's ρ.
    /// </summary>
    /// <param name="extremal">The merged extremal statistics of the same set (β, β_g).</param>
    /// <param name="displayWidth">Display cell width; a multiple of nothing in particular, ≥ the fine width.</param>
    public SpectralPlane Finish(ExtremalStatistics extremal, double displayWidth = 0.5)
    {
        if (!(displayWidth >= BinWidth) || !double.IsFinite(displayWidth))
            throw new ArgumentOutOfRangeException(nameof(displayWidth), displayWidth, FormattableString.Invariant($"The display width must be finite and at least the cell width {BinWidth:G}."));
        if (extremal.Count != Count) throw new ArgumentException($"The extremal statistics cover {extremal.Count} pairs, this histogram {Count}.");
        var display = new Dictionary<(int, int), long>();
        long zeroTheta = 0, zeroGrad = 0;
        foreach (var ((a, b), c) in cells)
        {
            if (a == Zero) { zeroTheta += c; continue; }
            if (b == Zero) { zeroGrad += c; continue; }
            int i = (int)Math.Floor(Math.Max(0, extremal.Beta - (a + 0.5) * BinWidth) / displayWidth);
            int j = (int)Math.Floor(Math.Max(0, extremal.BetaGrad - (b + 0.5) * BinWidth) / displayWidth);
            display[(i, j)] = display.GetValueOrDefault((i, j)) + c;
        }
        var list = display.OrderBy(d => d.Key.Item1).ThenBy(d => d.Key.Item2)
            .Select(d => new SpectralPlaneCell(d.Key.Item1 * displayWidth, d.Key.Item2 * displayWidth, d.Value)).ToArray();
        return new SpectralPlane(displayWidth, list, zeroTheta, zeroGrad, Spearman(), BinWidth);
    }
}

/// <summary>One display cell of the spectral plane: λ ∈ [Lambda, Lambda + width), μ ∈ [Mu, Mu + width).</summary>
public sealed record SpectralPlaneCell(double Lambda, double Mu, long Count);

/// <summary>Seed 000 fig. 5 (density of (λ_i, μ_i)) and fig. 4's rank correlation, from <see cref="SpectralPlanePartial"/>.</summary>
/// <param name="DisplayWidth">Width of the display cells (natural-log units).</param>
/// <param name="Cells">Occupied display cells, by λ then μ.</param>
/// <param name="ZeroTheta">Pairs with θ_i = 0 (λ = ∞; off the plane).</param>
/// <param name="ZeroGrad">Pairs with θ_i ≠ 0 and g_i = 0 (μ = ∞).</param>
/// <param name="Spearman">Spearman's ρ of |θ| and |g| at cell resolution (fig. 4: ≈ +1 ordered, ≤ 0 disordered).</param>
/// <param name="Resolution">The fine cell width ρ was computed at.</param>
public sealed record SpectralPlane(double DisplayWidth, SpectralPlaneCell[] Cells, long ZeroTheta, long ZeroGrad, double Spearman, double Resolution)
{
    /// <summary>Fraction of the on-plane pairs in the display cell at the origin (seed 000 fig. 5: it condenses there in a grokking run).</summary>
    public double OriginMass
    {
        get
        {
            long total = Cells.Sum(c => c.Count);
            return total == 0 ? double.NaN : (double)Cells.Where(c => c.Lambda == 0 && c.Mu == 0).Sum(c => c.Count) / total;
        }
    }
}
