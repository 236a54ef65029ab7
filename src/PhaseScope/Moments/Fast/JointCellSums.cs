using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PhaseScope.Moments.Fast;

/// <summary>
/// The accumulation pass of <see cref="FastCouplingSurface"/>: every pair (|θ_i|, |g_i|) falls in a joint cell
/// (a <see cref="GradedAxis"/> cell per axis, plus a "zero" cell per axis for exact zeros) and the cell keeps the
/// power sums S[p, q] = Σ u^p v^q of the in-cell offsets u = |θ|/c − 1, v = |g|/d − 1 for p + q ≤ <see cref="Degree"/>
/// (S[0, 0] is the count), and its first <see cref="Reservoir"/> elements verbatim, so that a cell the error bound
/// rejects can be evaluated exactly without reading the data again. Pairs with a magnitude in an axis' exact
/// tail are kept verbatim in <see cref="TailTheta"/>/<see cref="TailGrad"/>; pairs of two zeros only count.
/// One instance per thread; <see cref="Merge"/> adds them. Cells are stored sparsely (only occupied ones), in
/// rows of <see cref="Stride"/> doubles.
/// </summary>
internal sealed class JointCellSums
{
    /// <summary>D: the order of the expansion in (u, v).</summary>
    public const int Degree = 5;
    /// <summary>Number of power sums (p + q ≤ D).</summary>
    public const int Terms = (Degree + 1) * (Degree + 2) / 2;
    /// <summary>Doubles per row (Terms rounded up to whole 8-lane vectors).</summary>
    public const int Stride = 24;
    /// <summary>Elements kept verbatim per cell.</summary>
    public const int Reservoir = 8;

    /// <summary>The powers (p, q) of term j, by total degree: (0,0), (1,0), (0,1), (2,0), (1,1), (0,2), …; the padding lanes point at a zero.</summary>
    public static readonly int[] P = new int[Stride], Q = new int[Stride];
    static readonly Vector512<long> P0, P1, P2, Q0, Q1, Q2;

    static JointCellSums()
    {
        int j = 0;
        for (int d = 0; d <= Degree; d++)
            for (int q = 0; q <= d; q++) { P[j] = d - q; Q[j] = q; j++; }
        for (; j < Stride; j++) { P[j] = Degree + 1; Q[j] = Degree + 1; } // lane D+1 of the power vectors is 0
        Vector512<long> Lanes(int[] a, int from) => Vector512.Create(a[from], a[from + 1], a[from + 2], a[from + 3], a[from + 4], a[from + 5], a[from + 6], a[from + 7]);
        P0 = Lanes(P, 0); P1 = Lanes(P, 8); P2 = Lanes(P, 16);
        Q0 = Lanes(Q, 0); Q1 = Lanes(Q, 8); Q2 = Lanes(Q, 16);
    }

    /// <summary>Tests set this to run the portable path on machines with AVX-512 (both paths add the same terms).</summary>
    internal static bool ForceScalar;

    readonly GradedAxis a, b;
    readonly int width; // cells per row of the joint index: b.Count + 1 (the last is "g = 0")
    readonly int[] slotOf;
    // Rows on the pinned heap, starting on a 64-byte boundary (rowBase doubles in), so that each 8-lane addition
    // touches one cache line instead of straddling two.
    double[] rows = [];
    int rowBase;
    int[] cellOfSlot = new int[256];
    uint[] kept = new uint[256 * 2 * Reservoir];

    public JointCellSums(GradedAxis theta, GradedAxis grad)
    {
        a = theta;
        b = grad;
        width = grad.Count + 1;
        slotOf = new int[(theta.Count + 1) * width];
        Array.Fill(slotOf, -1);
        GrowRows(256);
    }

    /// <summary>Occupied cells.</summary>
    public int Slots { get; private set; }
    /// <summary>Pairs seen (all of them, two zeros and the tail included).</summary>
    public long Count { get; private set; }
    /// <summary>θ of the pairs kept exactly because a magnitude lies in an axis' exact tail.</summary>
    public List<float> TailTheta { get; } = [];
    /// <summary>g of those pairs.</summary>
    public List<float> TailGrad { get; } = [];

    /// <summary>The index of "θ = 0" on the θ axis and of "g = 0" on the g axis.</summary>
    public int ZeroTheta => a.Count;
    public int ZeroGrad => b.Count;

    /// <summary>Joint cell index of slot s: θ cell = index / (ZeroGrad + 1), g cell = index % (ZeroGrad + 1).</summary>
    public int CellOf(int slot) => cellOfSlot[slot];
    /// <summary>The row of slot s: S[P[j], Q[j]] at j.</summary>
    public ReadOnlySpan<double> Row(int slot) => rows.AsSpan(rowBase + slot * Stride, Stride);
    /// <summary>The kept elements of slot s (as many as min(count, Reservoir)), as float32 bit pairs (θ, g).</summary>
    public ReadOnlySpan<uint> Kept(int slot) => kept.AsSpan(slot * 2 * Reservoir, 2 * (int)Math.Min(Reservoir, rows[rowBase + slot * Stride]));

    unsafe void GrowRows(int slots)
    {
        var grown = GC.AllocateArray<double>(slots * Stride + 8, pinned: true);
        int start = (int)(((64 - (long)Unsafe.AsPointer(ref grown[0]) % 64) % 64) / 8);
        if (rows.Length > 0) Array.Copy(rows, rowBase, grown, start, rows.Length - 8);
        rows = grown;
        rowBase = start;
    }

    /// <summary>The joint cell of a pair of magnitude bits, or −1 when both are zero or one lies in the exact tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int JointIndex(uint tb, uint gb)
    {
        int ia = tb == 0 ? a.Count : a.Index(tb);
        int ib = gb == 0 ? b.Count : b.Index(gb);
        if (ia < 0 || ib < 0 || (tb == 0 && gb == 0)) return -1;
        return ia * width + ib;
    }

    /// <summary>Adds the pairs of one block (float32 bits of θ and g, equal length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops: straight to optimised code, no tier-0 first call
    public unsafe void Add(ReadOnlySpan<uint> theta, ReadOnlySpan<uint> grad)
    {
        Count += theta.Length;
        int i = 0;
        if (Avx512F.IsSupported && !ForceScalar)
            fixed (uint* tp = theta, gp = grad)
            fixed (int* lookupA = a.Lookup, lookupB = b.Lookup)
            fixed (double* invA = a.InvCenter, invB = b.InvCenter)
                for (; i + 8 <= theta.Length; i += 8)
                    if (!AddGroup(tp + i, gp + i, lookupA, lookupB, invA, invB))
                        for (int e = i; e < i + 8; e++) AddOne(theta[e], grad[e], vector: true);
        for (; i < theta.Length; i++) AddOne(theta[i], grad[i], vector: Avx512F.IsSupported && !ForceScalar);
    }

    /// <summary>One pair: its cell, offsets and power sums (the portable path, and the vector path's exceptions).</summary>
    void AddOne(uint theta, uint grad, bool vector)
    {
        uint tb = theta & 0x7FFFFFFFu, gb = grad & 0x7FFFFFFFu;
        if ((tb | gb) == 0) return; // 0^k·0^l = 0 for k, l > 0, and neither counts towards M or G at positive order
        int ia = tb == 0 ? a.Count : a.Index(tb);
        int ib = gb == 0 ? b.Count : b.Index(gb);
        if (ia < 0 || ib < 0)
        {
            TailTheta.Add(BitConverter.UInt32BitsToSingle(tb));
            TailGrad.Add(BitConverter.UInt32BitsToSingle(gb));
            return;
        }
        double u = tb == 0 ? 0 : BitConverter.UInt32BitsToSingle(tb) * a.InvCenter[ia] - 1;
        double v = gb == 0 ? 0 : BitConverter.UInt32BitsToSingle(gb) * b.InvCenter[ib] - 1;
        ref double row = ref RowFor(ia * width + ib, tb, gb);
        if (vector) AddVector(ref row, u, v); else AddScalar(ref row, u, v);
    }

    /// <summary>The row of a cell (allocated on first use), with the pair kept if the cell still has room.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    ref double RowFor(int cell, uint tb, uint gb)
    {
        int slot = slotOf[cell];
        if (slot < 0) slot = NewSlot(cell);
        ref double row = ref rows[rowBase + slot * Stride];
        double n = row;
        if (n < Reservoir)
        {
            int k = slot * 2 * Reservoir + 2 * (int)n;
            kept[k] = tb;
            kept[k + 1] = gb;
        }
        return ref row;
    }

    /// <summary>
    /// Eight pairs at once (AVX-512): cells by two table gathers per axis, offsets and the 21 monomials u^p v^q
    /// across the eight lanes, three 8×8 transposes to per-pair term vectors, and three vector additions per pair
    /// into its row. A group with a pair of two zeros or a magnitude in an exact tail returns false untouched.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    unsafe bool AddGroup(uint* t, uint* g, int* lookupA, int* lookupB, double* invA, double* invB)
    {
        var mask = Vector256.Create(0x7FFFFFFFu);
        var tb = Avx.LoadVector256(t) & mask;
        var gb = Avx.LoadVector256(g) & mask;
        var tZero = Vector256.Equals(tb, Vector256<uint>.Zero).AsInt32();
        var gZero = Vector256.Equals(gb, Vector256<uint>.Zero).AsInt32();
        var ot = Vector256.Create((int)a.TopKey) - (tb >> GradedAxis.KeyShift).AsInt32();
        var og = Vector256.Create((int)b.TopKey) - (gb >> GradedAxis.KeyShift).AsInt32();
        var tTail = Vector256.AndNot(Vector256.GreaterThanOrEqual(ot.AsUInt32(), Vector256.Create(a.Span)).AsInt32(), tZero);
        var gTail = Vector256.AndNot(Vector256.GreaterThanOrEqual(og.AsUInt32(), Vector256.Create(b.Span)).AsInt32(), gZero);
        if (((tTail | gTail) | (tZero & gZero)) != Vector256<int>.Zero) return false;
        var fine = Vector256.Create(GradedAxis.FineOffsets);
        var it = Vector256.AndNot(Vector256.ConditionalSelect(Vector256.LessThan(ot, fine), ot, fine + ((ot - fine) >> GradedAxis.CoarseShift)), tZero);
        var ig = Vector256.AndNot(Vector256.ConditionalSelect(Vector256.LessThan(og, fine), og, fine + ((og - fine) >> GradedAxis.CoarseShift)), gZero);
        var ia = Avx2.GatherVector256(lookupA, it, 4); // zero lanes read entry 0, then are replaced
        var ib = Avx2.GatherVector256(lookupB, ig, 4);
        var ca = Vector512.Create(Avx2.GatherVector256(invA, ia.GetLower(), 8), Avx2.GatherVector256(invA, ia.GetUpper(), 8));
        var cb = Vector512.Create(Avx2.GatherVector256(invB, ib.GetLower(), 8), Avx2.GatherVector256(invB, ib.GetUpper(), 8));
        ia = Vector256.ConditionalSelect(tZero, Vector256.Create(a.Count), ia);
        ib = Vector256.ConditionalSelect(gZero, Vector256.Create(b.Count), ib);
        var cell = ia * Vector256.Create(width) + ib;
        var one = Vector512.Create(1.0);
        var u = Vector512.ConditionalSelect(Avx512F.ConvertToVector512Int64(tZero).AsDouble(), Vector512<double>.Zero,
            Avx512F.ConvertToVector512Double(tb.AsSingle()) * ca - one);
        var v = Vector512.ConditionalSelect(Avx512F.ConvertToVector512Int64(gZero).AsDouble(), Vector512<double>.Zero,
            Avx512F.ConvertToVector512Double(gb.AsSingle()) * cb - one);
        var u2 = u * u; var u3 = u2 * u; var u4 = u2 * u2;
        var v2 = v * v; var v3 = v2 * v; var v4 = v2 * v2;
        // Terms in P/Q order: 1, u, v, u², uv, v², u³, u²v | uv², v³, u⁴, u³v, u²v², uv³, v⁴, u⁵ | u⁴v, u³v², u²v³, uv⁴, v⁵, 0, 0, 0.
        var a0 = one; var a1 = u; var a2 = v; var a3 = u2; var a4 = u * v; var a5 = v2; var a6 = u3; var a7 = u2 * v;
        var b0 = u * v2; var b1 = v3; var b2 = u4; var b3 = u3 * v; var b4 = u2 * v2; var b5 = u * v3; var b6 = v4; var b7 = u4 * u;
        var c0 = u4 * v; var c1 = u3 * v2; var c2 = u2 * v3; var c3 = u * v4; var c4 = v4 * v; var c5 = Vector512<double>.Zero; var c6 = c5; var c7 = c5;
        Transpose(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
        Transpose(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7);
        Transpose(ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
        Add3(cell.GetElement(0), tb.GetElement(0), gb.GetElement(0), a0, b0, c0);
        Add3(cell.GetElement(1), tb.GetElement(1), gb.GetElement(1), a1, b1, c1);
        Add3(cell.GetElement(2), tb.GetElement(2), gb.GetElement(2), a2, b2, c2);
        Add3(cell.GetElement(3), tb.GetElement(3), gb.GetElement(3), a3, b3, c3);
        Add3(cell.GetElement(4), tb.GetElement(4), gb.GetElement(4), a4, b4, c4);
        Add3(cell.GetElement(5), tb.GetElement(5), gb.GetElement(5), a5, b5, c5);
        Add3(cell.GetElement(6), tb.GetElement(6), gb.GetElement(6), a6, b6, c6);
        Add3(cell.GetElement(7), tb.GetElement(7), gb.GetElement(7), a7, b7, c7);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Add3(int cell, uint tb, uint gb, Vector512<double> x0, Vector512<double> x1, Vector512<double> x2)
    {
        ref double row = ref RowFor(cell, tb, gb);
        ref var r0 = ref Unsafe.As<double, Vector512<double>>(ref row);
        ref var r1 = ref Unsafe.As<double, Vector512<double>>(ref Unsafe.Add(ref row, 8));
        ref var r2 = ref Unsafe.As<double, Vector512<double>>(ref Unsafe.Add(ref row, 16));
        r0 += x0;
        r1 += x1;
        r2 += x2;
    }

    static readonly Vector512<long> Pairs0 = Vector512.Create(0L, 1, 8, 9, 4, 5, 12, 13), Pairs1 = Vector512.Create(2L, 3, 10, 11, 6, 7, 14, 15);
    static readonly Vector512<long> Halves0 = Vector512.Create(0L, 1, 2, 3, 8, 9, 10, 11), Halves1 = Vector512.Create(4L, 5, 6, 7, 12, 13, 14, 15);

    /// <summary>In-place transpose of the 8×8 matrix whose rows are r0…r7 (unpack, then pairs, then halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Transpose(ref Vector512<double> r0, ref Vector512<double> r1, ref Vector512<double> r2, ref Vector512<double> r3,
        ref Vector512<double> r4, ref Vector512<double> r5, ref Vector512<double> r6, ref Vector512<double> r7)
    {
        var t0 = Avx512F.UnpackLow(r0, r1); var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3); var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5); var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7); var t7 = Avx512F.UnpackHigh(r6, r7);
        var s0 = Avx512F.PermuteVar8x64x2(t0, Pairs0, t2); var s2 = Avx512F.PermuteVar8x64x2(t0, Pairs1, t2);
        var s1 = Avx512F.PermuteVar8x64x2(t1, Pairs0, t3); var s3 = Avx512F.PermuteVar8x64x2(t1, Pairs1, t3);
        var s4 = Avx512F.PermuteVar8x64x2(t4, Pairs0, t6); var s6 = Avx512F.PermuteVar8x64x2(t4, Pairs1, t6);
        var s5 = Avx512F.PermuteVar8x64x2(t5, Pairs0, t7); var s7 = Avx512F.PermuteVar8x64x2(t5, Pairs1, t7);
        r0 = Avx512F.PermuteVar8x64x2(s0, Halves0, s4); r4 = Avx512F.PermuteVar8x64x2(s0, Halves1, s4);
        r1 = Avx512F.PermuteVar8x64x2(s1, Halves0, s5); r5 = Avx512F.PermuteVar8x64x2(s1, Halves1, s5);
        r2 = Avx512F.PermuteVar8x64x2(s2, Halves0, s6); r6 = Avx512F.PermuteVar8x64x2(s2, Halves1, s6);
        r3 = Avx512F.PermuteVar8x64x2(s3, Halves0, s7); r7 = Avx512F.PermuteVar8x64x2(s3, Halves1, s7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AddVector(ref double row, double u, double v)
    {
        double u2 = u * u, u4 = u2 * u2, v2 = v * v, v4 = v2 * v2;
        var pu = Vector512.Create(1, u, u2, u2 * u, u4, u4 * u, 0, 0);
        var pv = Vector512.Create(1, v, v2, v2 * v, v4, v4 * v, 0, 0);
        ref var r0 = ref Unsafe.As<double, Vector512<double>>(ref row);
        ref var r1 = ref Unsafe.As<double, Vector512<double>>(ref Unsafe.Add(ref row, 8));
        ref var r2 = ref Unsafe.As<double, Vector512<double>>(ref Unsafe.Add(ref row, 16));
        r0 += Avx512F.PermuteVar8x64(pu, P0) * Avx512F.PermuteVar8x64(pv, Q0);
        r1 += Avx512F.PermuteVar8x64(pu, P1) * Avx512F.PermuteVar8x64(pv, Q1);
        r2 += Avx512F.PermuteVar8x64(pu, P2) * Avx512F.PermuteVar8x64(pv, Q2);
    }

    static void AddScalar(ref double row, double u, double v)
    {
        Span<double> pu = stackalloc double[Degree + 2];
        Span<double> pv = stackalloc double[Degree + 2];
        pu[0] = pv[0] = 1;
        for (int p = 1; p <= Degree; p++) { pu[p] = pu[p - 1] * u; pv[p] = pv[p - 1] * v; }
        pu[Degree + 1] = pv[Degree + 1] = 0;
        for (int j = 0; j < Terms; j++) Unsafe.Add(ref row, j) += pu[P[j]] * pv[Q[j]];
    }

    int NewSlot(int cell)
    {
        int slot = Slots++;
        if (slot == cellOfSlot.Length)
        {
            Array.Resize(ref cellOfSlot, slot * 2);
            GrowRows(slot * 2);
            Array.Resize(ref kept, slot * 2 * 2 * Reservoir);
        }
        cellOfSlot[slot] = cell;
        slotOf[cell] = slot;
        return slot;
    }

    /// <summary>Adds another thread's sums (same axes) into this one.</summary>
    public void Merge(JointCellSums other)
    {
        Count += other.Count;
        TailTheta.AddRange(other.TailTheta);
        TailGrad.AddRange(other.TailGrad);
        for (int s = 0; s < other.Slots; s++)
        {
            int cell = other.cellOfSlot[s];
            int slot = slotOf[cell];
            if (slot < 0) slot = NewSlot(cell);
            double mine = rows[rowBase + slot * Stride], theirs = other.rows[other.rowBase + s * Stride];
            if (mine + theirs <= Reservoir) // both reservoirs are complete: the union is too
                Array.Copy(other.kept, s * 2 * Reservoir, kept, slot * 2 * Reservoir + 2 * (int)mine, 2 * (int)theirs);
            for (int j = 0; j < Terms; j++) rows[rowBase + slot * Stride + j] += other.rows[other.rowBase + s * Stride + j];
        }
    }
}
