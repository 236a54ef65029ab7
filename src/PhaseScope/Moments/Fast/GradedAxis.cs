namespace PhaseScope.Moments.Fast;

/// <summary>
/// The cells of one axis (|θ| or |g|) of <see cref="FastCouplingSurface"/>: intervals [lo, hi) of magnitude,
/// graded so that a cell's relative half-width h = (hi − lo)/(hi + lo) is at most max(h_min, c·|α|), where
/// α = log(hi / max) is the cell's log-distance from the axis maximum (seed 000, eq. 3: the decay rate λ of its
/// elements). An element at α matters to a moment of order k only while k·|α| stays within a few tens of the
/// largest term, so the expansion error ~ (k·h)^(D+1) stays uniformly small where it matters, with a few
/// hundred cells per axis instead of the ~10⁴ a uniform relative grid would need (docs/MOMENTS.md).
/// <para>
/// Cells are unions of float32 bit prefixes: a magnitude's key is its bits shifted right by 11 (exponent and the
/// top 12 mantissa bits, a relative width ≤ 2⁻¹²), so the cell of an element is one table look-up on its key's
/// distance below the maximum's key. Keys more than <see cref="TailBinades"/> binades below the maximum
/// (|x| ≲ 2⁻²⁴·max) are not binned: the caller keeps those elements exactly.
/// </para>
/// </summary>
internal sealed class GradedAxis
{
    internal const int KeyShift = 11;
    const int KeysPerBinade = 1 << (23 - KeyShift);
    /// <summary>Key offsets below the maximum's key looked up at full resolution (4 binades: |α| up to ≈ 2.8); deeper
    /// cells start and end on multiples of <see cref="CoarseKeys"/> keys (relative width ≤ 2⁻⁵, where cells are ≥ 2⁻⁴ wide).</summary>
    internal const int FineOffsets = 4 * KeysPerBinade, CoarseShift = 7, CoarseKeys = 1 << CoarseShift;

    /// <summary>Binades below the maximum's that are binned; smaller magnitudes are kept exactly.</summary>
    public const int TailBinades = 24;

    readonly uint topKey, span;

    /// <param name="max">The axis maximum |x|, finite and &gt; 0.</param>
    /// <param name="grading">c: the largest relative half-width per unit of |α|.</param>
    /// <param name="minHalfWidth">h_min: the relative half-width of the cells next to the maximum.</param>
    public GradedAxis(float max, double grading, double minHalfWidth)
    {
        if (!(max > 0) || !float.IsFinite(max)) throw new ArgumentOutOfRangeException(nameof(max), max, "The axis maximum must be finite and > 0.");
        topKey = BitConverter.SingleToUInt32Bits(max) >> KeyShift;
        LogMax = Math.Log(max);
        int span = (int)Math.Min(topKey + 1, (long)TailBinades * KeysPerBinade);
        this.span = (uint)span;
        var cellOfOffset = new ushort[span];
        var lo = new List<double>();
        var hi = new List<double>();
        int offset = 0;
        while (offset < span)
        {
            double upper = KeyValue(topKey - offset + 1);
            double target = Math.Max(minHalfWidth, grading * Math.Max(0, Math.Log(max / upper)));
            // The last offset (lowest key) in this cell: the width grows as the lower edge falls, so bisect.
            bool Fits(int last) { double lower = KeyValue(topKey - last); return (upper - lower) / (upper + lower) <= target; }
            int end = offset, bad = span; // Fits(end) or end = offset (one key is the finest cell); !Fits(bad) or bad = span
            while (bad - end > 1)
            {
                int mid = end + (bad - end) / 2;
                if (Fits(mid)) end = mid; else bad = mid;
            }
            if (end >= FineOffsets) // past the fine offsets a cell is whole coarse blocks (offset is then a block's start)
            {
                int minEnd = offset >= FineOffsets ? offset + CoarseKeys : FineOffsets; // exclusive
                end = Math.Max((end + 1) & ~(CoarseKeys - 1), minEnd) - 1;
            }
            end = Math.Min(end, span - 1);
            for (int o = offset; o <= end; o++) cellOfOffset[o] = (ushort)lo.Count;
            lo.Add(KeyValue(topKey - end));
            hi.Add(upper);
            offset = end + 1;
        }
        Count = lo.Count;
        Lookup = new int[span <= FineOffsets ? span : FineOffsets + ((span - FineOffsets + CoarseKeys - 1) >> CoarseShift)];
        for (int o = 0; o < span; o = o < FineOffsets ? o + 1 : o + CoarseKeys) Lookup[LookupIndex(o)] = cellOfOffset[o];
        Center = new double[Count];
        InvCenter = new double[Count];
        HalfWidth = new double[Count];
        LogCenter = new double[Count];
        for (int i = 0; i < Count; i++)
        {
            double c = (lo[i] + hi[i]) / 2;
            Center[i] = c;
            InvCenter[i] = 1 / c;
            // A hair wider than (hi − lo)/(hi + lo): x/c − 1 is rounded once or twice in float64.
            HalfWidth[i] = (hi[i] - lo[i]) / (hi[i] + lo[i]) * (1 + 1e-12) + 1e-15;
            LogCenter[i] = Math.Log(c) - LogMax;
        }
    }

    /// <summary>Number of cells.</summary>
    public int Count { get; }
    /// <summary>log of the axis maximum; <see cref="LogCenter"/> is relative to it.</summary>
    public double LogMax { get; }
    /// <summary>α = log(x / max) of a magnitude (−∞ for 0): how elements kept exactly enter the surface's sums.</summary>
    public double LogRatio(float x) => Math.Log(x) - LogMax;
    /// <summary>α of a magnitude given as its float32 bits.</summary>
    public double LogRatio(uint bits) => LogRatio(BitConverter.UInt32BitsToSingle(bits));
    /// <summary>Cell centres c.</summary>
    public double[] Center { get; }
    /// <summary>1 / c per cell.</summary>
    public double[] InvCenter { get; }
    /// <summary>Largest |x/c − 1| in each cell (a safe upper bound).</summary>
    public double[] HalfWidth { get; }
    /// <summary>log(c / max) per cell.</summary>
    public double[] LogCenter { get; }

    /// <summary>The maximum's key (float32 bits &gt;&gt; 11); a magnitude's key offset is TopKey − (bits &gt;&gt; 11).</summary>
    internal uint TopKey => topKey;
    /// <summary>Key offsets below this are binned; the rest is the exact tail.</summary>
    internal uint Span => span;
    /// <summary>Cell per look-up index: offsets below <see cref="FineOffsets"/> one by one, then one entry per coarse block.</summary>
    internal int[] Lookup { get; }

    /// <summary>The look-up index of a key offset below <see cref="Span"/>.</summary>
    internal static int LookupIndex(int offset) => offset < FineOffsets ? offset : FineOffsets + ((offset - FineOffsets) >> CoarseShift);

    /// <summary>The cell of a non-zero magnitude's float32 bits (≤ the maximum's), or −1 in the exact tail.</summary>
    public int Index(uint absBits)
    {
        long offset = (long)topKey - (absBits >> KeyShift);
        return (ulong)offset < span ? Lookup[LookupIndex((int)offset)] : -1;
    }

    /// <summary>The float32 value whose bits are key &lt;&lt; 11, in float64 (also past float32's largest exponent).</summary>
    static double KeyValue(long key)
    {
        long exponent = key >> (23 - KeyShift), mantissa = (key & (KeysPerBinade - 1)) << KeyShift;
        return exponent == 0 ? Math.ScaleB(mantissa, -149) : Math.ScaleB(1 + mantissa / 8388608.0, (int)exponent - 127);
    }
}
