using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments.Fast;

/// <summary>
/// The moments probe's per-step summary of a model's parameters in one read of θ and g from memory (the memory floor: 8 bytes per
/// parameter): the extremal partial (<see cref="ExtremalPartial"/>: maxima, multiplicities, next values, m∩, max |θ||g|)
/// and the diagonal power sums log Σ|θ|^K, log Σ|g|^K, log Σ(|θ||g|)^K (seed 000, eqs. 1 and 15–16) for orders that double,
/// K = k₀, 2k₀, …, 2^(L−1)k₀ with L ≤ <see cref="MaxLevels"/> (the probe's default 2, 4, 8, 16, 32).
/// <para>
/// <see cref="HostPass"/> needs three reads for the same numbers: the maxima first, because the powers are formed of
/// r = |x|/max ∈ [0, 1] so that nothing overflows, then the multiplicities, then the sums. Here each chunk of
/// <see cref="HostFloat32.ChunkElements"/> pairs (512 KiB, held in a core's L2 cache) is scaled by its own maxima, read
/// from memory once for them and from the cache for the rest, and the chunks' sums are brought to the shard's maxima when
/// they are merged: Σ_c S_c(K)·(max_c/max)^K, a factor ≤ 1, in chunk order, so the result does not depend on the number of
/// threads. The powers of each level are the squares of the previous level's (one multiplication per order and sum, no
/// exp), accumulated in float64: products of two float32 values are exact in float64, and a term only underflows below
/// 10⁻³⁰⁸ of the chunk's largest.
/// </para>
/// </summary>
static class SummaryPass
{
    /// <summary>Most orders (doubling levels) one pass carries; each level costs 3 multiplications and 3 additions per pair.</summary>
    public const int MaxLevels = 5;

    /// <summary>One chunk's sums (scaled by its own maxima) and extremal counts.</summary>
    struct Chunk
    {
        public double TMax, GMax;
        public bool NonFiniteT, NonFiniteG;
        public Levels M, G, Z;
        public long MT, MG, Both;
        public float NT, NG;
        public double P;
    }

    /// <summary>Σ r^K per level (a fixed-size buffer, so the chunk struct stays a value).</summary>
    [InlineArray(MaxLevels)]
    struct Levels { double _0; }

    /// <summary>Whether the orders are k₀·2^j, j = 0…L−1, with k₀ a positive integer and L ≤ <see cref="MaxLevels"/>.</summary>
    public static bool Doubling(IReadOnlyList<double> orders)
    {
        if (orders.Count is 0 or > MaxLevels) return false;
        double k0 = orders[0];
        if (!(k0 >= 1 && k0 <= 64 && k0 == Math.Floor(k0))) return false;
        for (int i = 1; i < orders.Count; i++) if (orders[i] != 2 * orders[i - 1]) return false;
        return true;
    }

    /// <summary>
    /// The extremal partial and the diagonal log power sums of the union of <paramref name="pairs"/> (each θ and g of equal
    /// length, paired index by index; a model's parameters and their gradients need not be concatenated first), or null
    /// when the pass does not apply (a θ or g not a contiguous float32 CPU tensor, lengths that differ, no elements, or
    /// orders that do not double; see <see cref="Doubling"/>). Throws <see cref="NonFiniteValuesException"/> when a θ or g
    /// holds NaN or ±Inf, naming θ first, as the tensor path does.
    /// </summary>
    public static unsafe (ExtremalPartial Extremal, double[] LogM, double[] LogG, double[] LogZ)? Of(IReadOnlyList<(Tensor Theta, Tensor Gradient)> pairs, IReadOnlyList<double> orders)
    {
        if (!Doubling(orders) || pairs.Count == 0) return null;
        // Chunks of at most ChunkElements pairs, in the order of the pairs: the merge below adds them in this order.
        if (HostFloat32.Paired(pairs) is not (var spans, var t, var g)) return null;
        int k0 = (int)orders[0], L = orders.Count, count = spans.Length;
        var chunks = new Chunk[count];
        HostFloat32.Run(spans, c => chunks[c] = Summarise((float*)t[spans[c].Part] + spans[c].Start, (float*)g[spans[c].Part] + spans[c].Start, spans[c].Length, k0));
        if (chunks.Any(c => c.NonFiniteT || c.NonFiniteG))
            NonFiniteValuesException.ThrowIfNonFinite(double.NaN, chunks.Any(c => c.NonFiniteT) ? "θ" : "g");

        ExtremalPartial? extremal = null;
        for (int c = 0; c < count; c++)
        {
            var x = chunks[c];
            var part = new ExtremalPartial(spans[c].Length, x.TMax, x.MT, x.NT, x.GMax, x.MG, x.NG, x.Both, Math.Log(x.P));
            extremal = extremal is null ? part : extremal.Merge(part);
        }
        double tMax = extremal!.ThetaMax, gMax = extremal.GradMax;
        var logM = new double[L];
        var logG = new double[L];
        var logZ = new double[L];
        for (int k = 0; k < L; k++)
        {
            int order = k0 << k;
            double m = 0, gs = 0, z = 0;
            foreach (var x in chunks)
            {
                // A chunk scaled by its own maxima comes back to the shard's: (max_c/max)^K ≤ 1 (0 for an all-zero chunk).
                double ft = tMax > 0 ? Power(x.TMax / tMax, order) : 0, fg = gMax > 0 ? Power(x.GMax / gMax, order) : 0;
                m += x.M[k] * ft;
                gs += x.G[k] * fg;
                z += x.Z[k] * ft * fg;
            }
            logM[k] = Math.Log(m) + order * Math.Log(tMax);
            logG[k] = Math.Log(gs) + order * Math.Log(gMax);
            logZ[k] = Math.Log(z) + order * (Math.Log(tMax) + Math.Log(gMax));
        }
        return (extremal, logM, logG, logZ);
    }

    /// <summary>x^e for a positive integer e by binary powering.</summary>
    static double Power(double x, int e)
    {
        double result = 1;
        while (true)
        {
            if ((e & 1) != 0) result *= x;
            e >>= 1;
            if (e == 0) return result;
            x *= x;
        }
    }

    /// <summary>One chunk: its maxima (the read from memory), then everything else from the cache.</summary>
    static unsafe Chunk Summarise(float* t, float* g, int n, int k0)
    {
        var x = new Chunk { NT = -1, NG = -1 };
        uint tBits = HostPass.MaxAbsBits(new ReadOnlySpan<uint>(t, n)), gBits = HostPass.MaxAbsBits(new ReadOnlySpan<uint>(g, n));
        x.NonFiniteT = tBits >= 0x7F800000u;
        x.NonFiniteG = gBits >= 0x7F800000u;
        if (x.NonFiniteT || x.NonFiniteG) return x;
        float tMax = BitConverter.UInt32BitsToSingle(tBits), gMax = BitConverter.UInt32BitsToSingle(gBits);
        (x.TMax, x.GMax) = (tMax, gMax);
        double invT = tMax > 0 ? 1.0 / tMax : 0, invG = gMax > 0 ? 1.0 / gMax : 0;
        int i = Vector256.IsHardwareAccelerated ? Vectorised(t, g, n, tMax, gMax, invT, invG, k0, ref x) : 0;
        for (; i < n; i++)
        {
            float a = Math.Abs(t[i]), b = Math.Abs(g[i]);
            bool atT = a == tMax, atG = b == gMax;
            if (atT) x.MT++; else if (a > x.NT) x.NT = a;
            if (atG) x.MG++; else if (b > x.NG) x.NG = b;
            if (atT && atG) x.Both++;
            x.P = Math.Max(x.P, (double)a * b);
            double r = First(a * invT, k0), s = First(b * invG, k0), z = First((double)a * invT * (b * invG), k0);
            for (int k = 0; k < MaxLevels; k++)
            {
                if (k > 0) { r *= r; s *= s; z *= z; }
                x.M[k] += r; x.G[k] += s; x.Z[k] += z;
            }
        }
        return x;
    }

    /// <summary>v^k₀ (k₀ ≥ 1).</summary>
    static double First(double v, int k0) => k0 == 1 ? v : k0 == 2 ? v * v : Power(v, k0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> First(Vector256<double> v, int k0) => k0 == 2 ? v * v : k0 == 1 ? v : Power(v, k0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static Vector256<double> Power(Vector256<double> v, int k0)
    {
        var result = Vector256<double>.One;
        for (int e = k0; ; v *= v)
        {
            if ((e & 1) != 0) result *= v;
            e >>= 1;
            if (e == 0) return result;
        }
    }

    /// <summary>
    /// The eight-lane body over [0, n − n mod 8): counts and next values in float32 lanes, products and powers in float64
    /// lanes, every accumulator a local (array accumulators cost a load and a store per addition). Returns the index where
    /// the scalar tail starts.
    /// </summary>
    static unsafe int Vectorised(float* t, float* g, int n, float tMax, float gMax, double invT, double invG, int k0, ref Chunk x)
    {
        Vector256<double> m0 = default, m1 = default, m2 = default, m3 = default, m4 = default;
        Vector256<double> g0 = default, g1 = default, g2 = default, g3 = default, g4 = default;
        Vector256<double> z0 = default, z1 = default, z2 = default, z3 = default, z4 = default;
        Vector256<int> mt = default, mg = default, both = default;
        Vector256<float> minusOne = Vector256.Create(-1f), nt = minusOne, ng = minusOne, vtMax = Vector256.Create(tMax), vgMax = Vector256.Create(gMax);
        Vector256<double> p = default, vInvT = Vector256.Create(invT), vInvG = Vector256.Create(invG);
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var a = Vector256.Abs(Vector256.Load(t + i));
            var b = Vector256.Abs(Vector256.Load(g + i));
            var atT = Vector256.Equals(a, vtMax);
            var atG = Vector256.Equals(b, vgMax);
            mt -= atT.AsInt32(); // lanes are −1 where true
            mg -= atG.AsInt32();
            both -= (atT & atG).AsInt32();
            nt = Vector256.Max(nt, Vector256.ConditionalSelect(atT, minusOne, a));
            ng = Vector256.Max(ng, Vector256.ConditionalSelect(atG, minusOne, b));
            var (aLo, aHi) = Vector256.Widen(a);
            var (bLo, bHi) = Vector256.Widen(b);
            p = Vector256.Max(p, Vector256.Max(aLo * bLo, aHi * bHi));
            Accumulate(aLo * vInvT, bLo * vInvG);
            Accumulate(aHi * vInvT, bHi * vInvG);
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        void Accumulate(Vector256<double> r, Vector256<double> s)
        {
            var z = r * s;
            r = First(r, k0); s = First(s, k0); z = First(z, k0);
            m0 += r; g0 += s; z0 += z;
            r *= r; s *= s; z *= z; m1 += r; g1 += s; z1 += z;
            r *= r; s *= s; z *= z; m2 += r; g2 += s; z2 += z;
            r *= r; s *= s; z *= z; m3 += r; g3 += s; z3 += z;
            r *= r; s *= s; z *= z; m4 += r; g4 += s; z4 += z;
        }
        (x.M[0], x.M[1], x.M[2], x.M[3], x.M[4]) = (Vector256.Sum(m0), Vector256.Sum(m1), Vector256.Sum(m2), Vector256.Sum(m3), Vector256.Sum(m4));
        (x.G[0], x.G[1], x.G[2], x.G[3], x.G[4]) = (Vector256.Sum(g0), Vector256.Sum(g1), Vector256.Sum(g2), Vector256.Sum(g3), Vector256.Sum(g4));
        (x.Z[0], x.Z[1], x.Z[2], x.Z[3], x.Z[4]) = (Vector256.Sum(z0), Vector256.Sum(z1), Vector256.Sum(z2), Vector256.Sum(z3), Vector256.Sum(z4));
        for (int j = 0; j < 8; j++)
        {
            x.MT += mt[j]; x.MG += mg[j]; x.Both += both[j];
            x.NT = Math.Max(x.NT, nt[j]); x.NG = Math.Max(x.NG, ng[j]);
        }
        for (int j = 0; j < 4; j++) x.P = Math.Max(x.P, p[j]);
        return i;
    }
}
