using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments.Fast;

/// <summary>
/// One-pass CPU versions of the extremal statistics and the diagonal power sums for contiguous float32 tensors
/// on the CPU, the common case of a monitored model: TorchSharp's ~10 µs per native call and libtorch's float64
/// exp made the tensor versions cost ~100 passes (the scaling bench, docs/PERFORMANCE.md). Results equal the tensor versions to
/// float64 rounding: products of two float32 values are exact in float64, and integer powers of r = |x|/max ∈ [0, 1]
/// are formed by multiplication (binary powering), not exp, so nothing overflows and underflow only drops terms
/// below 10⁻³⁰⁸ of the largest (which is 1). Other dtypes, devices and non-integer orders use the tensor versions.
/// </summary>
static class HostPass
{
    /// <summary>Shards below this size run on one thread.</summary>
    const int ParallelThreshold = 1 << 20;

    /// <summary>θ and g as float32 spans when both are contiguous float32 CPU tensors of equal length; else false.</summary>
    static bool Applies(Tensor theta, Tensor? gradient) =>
        HostFloat32.Applies(theta) && (gradient is null || (HostFloat32.Applies(gradient) && gradient.numel() == theta.numel()));

    static ReadOnlySpan<float> Span(Tensor x) => MemoryMarshal.Cast<byte, float>(x.bytes);

    /// <summary>Splits [0, n) into chunks for Parallel.For, or one chunk below the threshold.</summary>
    static (int Start, int End)[] Chunks(int n)
    {
        int parts = n < ParallelThreshold ? 1 : Math.Max(1, Math.Min(Environment.ProcessorCount, n / ParallelThreshold));
        return Enumerable.Range(0, parts).Select(p => ((int)((long)n * p / parts), (int)((long)n * (p + 1) / parts))).ToArray();
    }

    /// <summary>The extremal partial (see <see cref="ExtremalPartial"/>) in two reads, or null when the fast path does not apply.</summary>
    public static ExtremalPartial? Extremal(Tensor theta, Tensor? gradient)
    {
        if (!Applies(theta, gradient) || theta.numel() > int.MaxValue) return null;
        int n = (int)theta.numel();
        bool hasG = gradient is not null;
        // Read 1: maxima (NaN / ±Inf detected: their magnitude bits are ≥ those of +∞), eight or sixteen lanes at a time.
        var chunks = Chunks(n);
        var maxima = new (uint T, uint G)[chunks.Length];
        Parallel.For(0, chunks.Length, c =>
        {
            var (start, end) = chunks[c];
            maxima[c] = (MaxAbsBits(Bits(theta).Slice(start, end - start)), hasG ? MaxAbsBits(Bits(gradient!).Slice(start, end - start)) : 0);
        });
        if (maxima.Any(m => m.T >= 0x7F800000u || m.G >= 0x7F800000u))
            NonFiniteValuesException.ThrowIfNonFinite(double.NaN, maxima.Any(m => m.T >= 0x7F800000u) ? "θ" : "g"); // say which side, as the tensor version does
        float tMax = BitConverter.UInt32BitsToSingle(maxima.Max(m => m.T)), gMax = BitConverter.UInt32BitsToSingle(maxima.Max(m => m.G));
        // Read 2: multiplicities, next values, the intersection, and max |θ||g| (exact in float64).
        var parts = new (long MT, float NT, long MG, float NG, long Both, double P)[chunks.Length];
        Parallel.For(0, chunks.Length, c => parts[c] = hasG
            ? Multiplicities(Span(theta), Span(gradient!), chunks[c].Start, chunks[c].End, tMax, gMax)
            : Multiplicities(Span(theta), chunks[c].Start, chunks[c].End, tMax));
        long multT = parts.Sum(x => x.MT);
        double nextT = parts.Max(x => x.NT);
        if (!hasG) return new ExtremalPartial(n, tMax, multT, nextT, double.NaN, 0, double.NaN, 0, double.NaN);
        return new ExtremalPartial(n, tMax, multT, nextT, gMax, parts.Sum(x => x.MG), parts.Max(x => x.NG), parts.Sum(x => x.Both),
            Math.Log(parts.Max(x => x.P)));
    }

    /// <summary>
    /// log Σ|θ|^K, log Σ|g|^K and log Σ(|θ||g|)^K for positive integer orders K (ascending, at most 4096) in two reads
    /// (maxima, then the sums of r^K with r = |x|/max; the maxima are taken from <paramref name="extremal"/> when given),
    /// or null when the fast path does not apply.
    /// </summary>
    public static (double[] LogM, double[] LogG, double[] LogZ)? PowerSums(Tensor theta, Tensor gradient, double[] orders, ExtremalPartial? extremal = null)
    {
        if (!Applies(theta, gradient) || theta.numel() > int.MaxValue || orders.Length == 0) return null;
        if (orders.Any(k => !(k >= 1 && k <= 4096 && k == Math.Floor(k)))) return null;
        for (int i = 1; i < orders.Length; i++) if (!(orders[i] > orders[i - 1])) return null;
        var x = extremal ?? Extremal(theta, gradient)!; // either way, non-finite input has already thrown
        int n = (int)theta.numel(), K = orders.Length;
        var steps = new int[K];
        for (int i = 0; i < K; i++) steps[i] = (int)orders[i] - (i == 0 ? 0 : (int)orders[i - 1]);
        // r^(2k) = (r^k)²: one multiplication for orders that double the previous one (the probe's 2, 4, 8, 16, 32).
        var doubling = steps.Select((d, i) => i > 0 && d == (int)orders[i - 1]).ToArray();
        double invT = x.ThetaMax > 0 ? 1 / x.ThetaMax : 0, invG = x.GradMax > 0 ? 1 / x.GradMax : 0;
        var chunks = Chunks(n);
        var sums = new double[chunks.Length][];
        Parallel.For(0, chunks.Length, c =>
        {
            var t = Span(theta);
            var g = Span(gradient);
            var acc = new double[3 * K];
            var vm = new Vector<double>[K];
            var vg = new Vector<double>[K];
            var vz = new Vector<double>[K];
            var vInvT = new Vector<double>(invT);
            var vInvG = new Vector<double>(invG);
            void Add(Vector<double> r, Vector<double> s)
            {
                var p = r * s;
                Vector<double> pr = Vector<double>.One, ps = Vector<double>.One, pp = Vector<double>.One;
                for (int k = 0; k < K; k++)
                {
                    if (doubling[k]) { pr *= pr; ps *= ps; pp *= pp; }
                    else { pr *= Power(r, steps[k]); ps *= Power(s, steps[k]); pp *= Power(p, steps[k]); }
                    vm[k] += pr;
                    vg[k] += ps;
                    vz[k] += pp;
                }
            }
            int w = Vector<float>.Count;
            int i = chunks[c].Start, end = chunks[c].End;
            for (; i + w <= end; i += w)
            {
                Vector.Widen(Vector.Abs(new Vector<float>(t.Slice(i, w))), out var tLo, out var tHi);
                Vector.Widen(Vector.Abs(new Vector<float>(g.Slice(i, w))), out var gLo, out var gHi);
                Add(tLo * vInvT, gLo * vInvG);
                Add(tHi * vInvT, gHi * vInvG);
            }
            for (int k = 0; k < K; k++) { acc[k] = Vector.Sum(vm[k]); acc[K + k] = Vector.Sum(vg[k]); acc[2 * K + k] = Vector.Sum(vz[k]); }
            for (; i < end; i++)
            {
                double r = Math.Abs(t[i]) * invT, s = Math.Abs(g[i]) * invG, p = r * s;
                double pr = 1, ps = 1, pp = 1;
                for (int k = 0; k < K; k++)
                {
                    pr *= Math.Pow(r, steps[k]);
                    ps *= Math.Pow(s, steps[k]);
                    pp *= Math.Pow(p, steps[k]);
                    acc[k] += pr; acc[K + k] += ps; acc[2 * K + k] += pp;
                }
            }
            sums[c] = acc;
        });
        var logM = new double[K];
        var logG = new double[K];
        var logZ = new double[K];
        double logT = Math.Log(x.ThetaMax), logGm = Math.Log(x.GradMax);
        for (int k = 0; k < K; k++)
        {
            double m = 0, gs = 0, z = 0;
            foreach (var a in sums) { m += a[k]; gs += a[K + k]; z += a[2 * K + k]; }
            logM[k] = Math.Log(m) + orders[k] * logT;
            logG[k] = Math.Log(gs) + orders[k] * logGm;
            logZ[k] = Math.Log(z) + orders[k] * (logT + logGm);
        }
        return (logM, logG, logZ);
    }

    /// <summary>v^e for a positive integer e by binary powering (exact multiplications, no exp).</summary>
    static Vector<double> Power(Vector<double> v, int e)
    {
        var result = Vector<double>.One;
        while (true)
        {
            if ((e & 1) != 0) result *= v;
            e >>= 1;
            if (e == 0) return result;
            v *= v;
        }
    }

    /// <summary>A contiguous float32 CPU tensor's elements as their bits.</summary>
    internal static ReadOnlySpan<uint> Bits(Tensor x) => MemoryMarshal.Cast<byte, uint>(x.bytes);

    /// <summary>The largest magnitude's float32 bits (non-negative floats order as their bits; NaN and ±Inf are ≥ 0x7F800000).</summary>
    internal static unsafe uint MaxAbsBits(ReadOnlySpan<uint> span)
    {
        int i = 0;
        uint max = 0;
        fixed (uint* p = span)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                // two accumulators: the max's latency is not on the critical path
                Vector512<uint> best0 = default, best1 = default, mask = Vector512.Create(0x7FFFFFFFu);
                for (; i + 32 <= span.Length; i += 32)
                {
                    best0 = Vector512.Max(best0, Vector512.Load(p + i) & mask);
                    best1 = Vector512.Max(best1, Vector512.Load(p + i + 16) & mask);
                }
                for (int j = 0; j < 16; j++) max = Math.Max(max, Math.Max(best0[j], best1[j]));
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Vector256<uint> best = default, mask = Vector256.Create(0x7FFFFFFFu);
                for (; i + 8 <= span.Length; i += 8) best = Vector256.Max(best, Vector256.Load(p + i) & mask);
                for (int j = 0; j < 8; j++) max = Math.Max(max, best[j]);
            }
        }
        for (; i < span.Length; i++) max = Math.Max(max, span[i] & 0x7FFFFFFFu);
        return max;
    }

    /// <summary>Read 2 over [start, end): counts at the maxima, the largest values below them (−1: none), pairs at both, max |θ||g|.</summary>
    static (long MT, float NT, long MG, float NG, long Both, double P) Multiplicities(ReadOnlySpan<float> t, ReadOnlySpan<float> g, int start, int end, float tMax, float gMax)
    {
        int w = Vector<float>.Count;
        Vector<int> mt = Vector<int>.Zero, mg = Vector<int>.Zero, both = Vector<int>.Zero;
        Vector<float> nt = new(-1f), ng = new(-1f), minusOne = new(-1f), vtMax = new(tMax), vgMax = new(gMax);
        Vector<double> p = Vector<double>.Zero;
        int i = start;
        for (; i + w <= end; i += w)
        {
            var a = Vector.Abs(new Vector<float>(t.Slice(i, w)));
            var b = Vector.Abs(new Vector<float>(g.Slice(i, w)));
            var atT = Vector.Equals(a, vtMax);
            var atG = Vector.Equals(b, vgMax);
            mt -= atT; // lanes are −1 where true
            mg -= atG;
            both -= atT & atG;
            nt = Vector.Max(nt, Vector.ConditionalSelect(atT, minusOne, a));
            ng = Vector.Max(ng, Vector.ConditionalSelect(atG, minusOne, b));
            Vector.Widen(a, out var aLo, out var aHi);
            Vector.Widen(b, out var bLo, out var bHi);
            p = Vector.Max(p, Vector.Max(aLo * bLo, aHi * bHi));
        }
        long multT = 0, multG = 0, multBoth = 0; // a lane counts at most n/w < 2³¹
        float nextT = -1, nextG = -1;
        double prod = 0;
        for (int j = 0; j < w; j++)
        {
            multT += mt[j]; multG += mg[j]; multBoth += both[j];
            nextT = Math.Max(nextT, nt[j]); nextG = Math.Max(nextG, ng[j]);
        }
        for (int j = 0; j < Vector<double>.Count; j++) prod = Math.Max(prod, p[j]);
        for (; i < end; i++)
        {
            float a = Math.Abs(t[i]), b = Math.Abs(g[i]);
            bool atT = a == tMax, atG = b == gMax;
            if (atT) multT++; else if (a > nextT) nextT = a;
            if (atG) multG++; else if (b > nextG) nextG = b;
            if (atT && atG) multBoth++;
            prod = Math.Max(prod, (double)a * b);
        }
        return (multT, nextT, multG, nextG, multBoth, prod);
    }

    /// <summary>Read 2 without gradients: the count at the maximum and the largest value below it.</summary>
    static (long MT, float NT, long MG, float NG, long Both, double P) Multiplicities(ReadOnlySpan<float> t, int start, int end, float tMax)
    {
        long mt = 0;
        float nt = -1;
        for (int i = start; i < end; i++)
        {
            float a = Math.Abs(t[i]);
            if (a == tMax) mt++; else if (a > nt) nt = a;
        }
        return (mt, nt, 0, -1, 0, 0);
    }
}
