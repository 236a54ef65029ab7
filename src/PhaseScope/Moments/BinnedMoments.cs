using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// The histogram pass of <see cref="FastCouplingSurface"/>: every non-zero |x| of a float32 tensor falls in a
/// bin given by its float bits (exponent and the top <c>B</c> mantissa bits, so a bin spans a relative width
/// below 2^−B), indexed downwards from the bin of the global maximum; values more than R binades below it
/// share a floor bin. Per bin the pass accumulates the count and the power sums of u = x/c − 1 (c the bin's
/// centre, |u| ≤ 2^−(B+1)) up to third order: jointly for (|θ|, |g|) on a coarse 2-D grid (10 sums) and
/// separately for |θ| and |g| on fine 1-D grids (4 sums each). One read of θ and g; sums add across shards.
/// </summary>
public sealed class BinnedMoments
{
    /// <summary>One axis' binning: the top key, bins per binade (2^bits) and the floor index.</summary>
    internal sealed class Axis
    {
        public Axis(float max, int bits, int binades)
        {
            Bits = bits;
            Shift = 23 - bits;
            TopKey = BitConverter.SingleToUInt32Bits(max) >> Shift;
            Floor = binades << bits;
            InvCenter = new double[Floor];
            LogCenter = new double[Floor + 1];
            for (int i = 0; i < Floor; i++)
            {
                long key = (long)TopKey - i;
                double lo = key <= 0 ? 0 : BitConverter.UInt32BitsToSingle((uint)key << Shift);
                double hi = BitConverter.UInt32BitsToSingle((uint)(key + 1) << Shift);
                double c = (lo + hi) / 2;
                InvCenter[i] = c > 0 ? 1 / c : 0;
                LogCenter[i] = c > 0 ? Math.Log(c) : double.NegativeInfinity;
            }
            // The floor bin holds values below the lowest regular bin: its upper limit bounds them.
            long lowest = (long)TopKey - Floor + 1;
            LogCenter[Floor] = lowest <= 0 ? double.NegativeInfinity : Math.Log(BitConverter.UInt32BitsToSingle((uint)lowest << Shift));
        }

        public int Bits { get; }
        public int Shift { get; }
        public uint TopKey { get; }
        /// <summary>Index of the floor bin (= number of regular bins).</summary>
        public int Floor { get; }
        public double[] InvCenter { get; }
        /// <summary>log of each regular bin's centre; at <see cref="Floor"/>, log of the floor's upper limit.</summary>
        public double[] LogCenter { get; }
        /// <summary>Largest |u| in a regular bin.</summary>
        public double HalfWidth => Math.Pow(2, -(Bits + 1));

        public int Index(uint absBits)
        {
            long i = (long)TopKey - (absBits >> Shift);
            return i < 0 ? 0 : i >= Floor ? Floor : (int)i;
        }
    }

    internal BinnedMoments(Axis a2, Axis b2, Axis a1, Axis b1)
    {
        A2 = a2; B2 = b2; A1 = a1; B1 = b1;
        Joint = new double[(a2.Floor + 1) * (b2.Floor + 1) * 10];
        ThetaSums = new double[(a1.Floor + 1) * 4];
        GradSums = new double[(b1.Floor + 1) * 4];
    }

    internal Axis A2 { get; }
    internal Axis B2 { get; }
    internal Axis A1 { get; }
    internal Axis B1 { get; }
    /// <summary>Joint sums per (θ bin, g bin): Σ1, Σu, Σv, Σu², Σuv, Σv², Σu³, Σu²v, Σuv², Σv³ (u from θ, v from g).</summary>
    internal double[] Joint { get; }
    /// <summary>Per θ bin: Σ1, Σu, Σu², Σu³.</summary>
    internal double[] ThetaSums { get; }
    /// <summary>Per g bin: Σ1, Σv, Σv², Σv³.</summary>
    internal double[] GradSums { get; }

    /// <summary>|x| as float32 bits on the CPU (a copy only when x is not already a contiguous CPU float32 tensor).</summary>
    internal static Tensor Float32Cpu(Tensor x) => x.detach().flatten().to(CPU).to_type(ScalarType.Float32).contiguous();

    /// <summary>Adds one shard (θ and g of equal length, float32 on the CPU).</summary>
    internal void Add(Tensor theta32, Tensor grad32)
    {
        var t = MemoryMarshal.Cast<byte, uint>(theta32.bytes);
        var g = MemoryMarshal.Cast<byte, uint>(grad32.bytes);
        int strideB = B2.Floor + 1;
        for (int i = 0; i < t.Length; i++)
        {
            uint tb = t[i] & 0x7FFFFFFFu, gb = g[i] & 0x7FFFFFFFu;
            double u = 0, v = 0;
            if (tb != 0)
            {
                int ia = A1.Index(tb);
                double x = BitConverter.UInt32BitsToSingle(tb);
                double u1 = ia < A1.Floor ? x * A1.InvCenter[ia] - 1 : 0;
                int o = ia * 4;
                ThetaSums[o] += 1; ThetaSums[o + 1] += u1; ThetaSums[o + 2] += u1 * u1; ThetaSums[o + 3] += u1 * u1 * u1;
            }
            if (gb != 0)
            {
                int ib = B1.Index(gb);
                double y = BitConverter.UInt32BitsToSingle(gb);
                double v1 = ib < B1.Floor ? y * B1.InvCenter[ib] - 1 : 0;
                int o = ib * 4;
                GradSums[o] += 1; GradSums[o + 1] += v1; GradSums[o + 2] += v1 * v1; GradSums[o + 3] += v1 * v1 * v1;
            }
            if (tb == 0 || gb == 0) continue; // contributes to Z(k, l) only at k = 0 or l = 0, which are M and G
            int ja = A2.Index(tb), jb = B2.Index(gb);
            if (ja < A2.Floor) u = BitConverter.UInt32BitsToSingle(tb) * A2.InvCenter[ja] - 1;
            if (jb < B2.Floor) v = BitConverter.UInt32BitsToSingle(gb) * B2.InvCenter[jb] - 1;
            int p = (ja * strideB + jb) * 10;
            double uu = u * u, vv = v * v;
            Joint[p] += 1; Joint[p + 1] += u; Joint[p + 2] += v;
            Joint[p + 3] += uu; Joint[p + 4] += u * v; Joint[p + 5] += vv;
            Joint[p + 6] += uu * u; Joint[p + 7] += uu * v; Joint[p + 8] += u * vv; Joint[p + 9] += vv * v;
        }
    }

    /// <summary>Whether element (|θ|, |g|) bits fall in a flagged joint bin.</summary>
    internal bool InFlagged(uint tb, uint gb, bool[] flagged) =>
        tb != 0 && gb != 0 && flagged[A2.Index(tb) * (B2.Floor + 1) + B2.Index(gb)];
}
