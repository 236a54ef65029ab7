using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PhaseScope.Moments;

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
    double[] rows = new double[256 * Stride];
    int[] cellOfSlot = new int[256];
    uint[] kept = new uint[256 * 2 * Reservoir];

    public JointCellSums(GradedAxis theta, GradedAxis grad)
    {
        a = theta;
        b = grad;
        width = grad.Count + 1;
        slotOf = new int[(theta.Count + 1) * width];
        Array.Fill(slotOf, -1);
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
    public ReadOnlySpan<double> Row(int slot) => rows.AsSpan(slot * Stride, Stride);
    /// <summary>The kept elements of slot s (as many as min(count, Reservoir)), as float32 bit pairs (θ, g).</summary>
    public ReadOnlySpan<uint> Kept(int slot) => kept.AsSpan(slot * 2 * Reservoir, 2 * (int)Math.Min(Reservoir, rows[slot * Stride]));

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
    public void Add(ReadOnlySpan<uint> theta, ReadOnlySpan<uint> grad)
    {
        Count += theta.Length;
        bool vector = Avx512F.IsSupported && !ForceScalar;
        for (int i = 0; i < theta.Length; i++)
        {
            uint tb = theta[i] & 0x7FFFFFFFu, gb = grad[i] & 0x7FFFFFFFu;
            if ((tb | gb) == 0) continue;
            int ia = tb == 0 ? a.Count : a.Index(tb);
            int ib = gb == 0 ? b.Count : b.Index(gb);
            if (ia < 0 || ib < 0)
            {
                TailTheta.Add(BitConverter.UInt32BitsToSingle(tb));
                TailGrad.Add(BitConverter.UInt32BitsToSingle(gb));
                continue;
            }
            int cell = ia * width + ib;
            int slot = slotOf[cell];
            if (slot < 0) slot = NewSlot(cell);
            double u = tb == 0 ? 0 : BitConverter.UInt32BitsToSingle(tb) * a.InvCenter[ia] - 1;
            double v = gb == 0 ? 0 : BitConverter.UInt32BitsToSingle(gb) * b.InvCenter[ib] - 1;
            ref double row = ref rows[slot * Stride];
            double n = row;
            if (n < Reservoir)
            {
                int k = slot * 2 * Reservoir + 2 * (int)n;
                kept[k] = tb;
                kept[k + 1] = gb;
            }
            if (vector) AddVector(ref row, u, v); else AddScalar(ref row, u, v);
        }
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
            Array.Resize(ref rows, slot * 2 * Stride);
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
            double mine = rows[slot * Stride], theirs = other.rows[s * Stride];
            if (mine + theirs <= Reservoir) // both reservoirs are complete: the union is too
                Array.Copy(other.kept, s * 2 * Reservoir, kept, slot * 2 * Reservoir + 2 * (int)mine, 2 * (int)theirs);
            for (int j = 0; j < Terms; j++) rows[slot * Stride + j] += other.rows[s * Stride + j];
        }
    }
}
