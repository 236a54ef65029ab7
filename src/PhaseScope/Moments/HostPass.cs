using System.Numerics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// One-pass CPU versions of the extremal statistics and the diagonal power sums for contiguous float32 tensors
/// on the CPU, the common case of a monitored model: TorchSharp's ~10 µs per native call and libtorch's float64
/// exp made the tensor versions cost ~100 passes (issue 8's scaling bench). Results equal the tensor versions to
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
        theta.device_type == TorchSharp.DeviceType.CPU && theta.dtype == ScalarType.Float32 && theta.is_contiguous()
        && (gradient is null || (gradient.device_type == TorchSharp.DeviceType.CPU && gradient.dtype == ScalarType.Float32 && gradient.is_contiguous()
            && gradient.numel() == theta.numel()));

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
        // Read 1: maxima (NaN / ±Inf detected: |x| ≤ float.MaxValue fails for both).
        var chunks = Chunks(n);
        var maxima = new (float T, float G, bool Bad)[chunks.Length];
        Parallel.For(0, chunks.Length, c =>
        {
            var t = Span(theta);
            var g = hasG ? Span(gradient!) : default;
            float mt = 0, mg = 0;
            bool bad = false;
            for (int i = chunks[c].Start; i < chunks[c].End; i++)
            {
                float a = Math.Abs(t[i]);
                if (!(a <= float.MaxValue)) bad = true; else if (a > mt) mt = a;
                if (!hasG) continue;
                float b = Math.Abs(g[i]);
                if (!(b <= float.MaxValue)) bad = true; else if (b > mg) mg = b;
            }
            maxima[c] = (mt, mg, bad);
        });
        if (maxima.Any(m => m.Bad))
        {
            // Say which side holds the non-finite value, as the tensor version does.
            bool thetaBad = false;
            foreach (var v in Span(theta)) if (!float.IsFinite(v)) { thetaBad = true; break; }
            NonFiniteValuesException.ThrowIfNonFinite(double.NaN, thetaBad ? "θ" : "g");
        }
        float tMax = maxima.Max(m => m.T), gMax = maxima.Max(m => m.G);
        // Read 2: multiplicities, next values, the intersection, and max |θ||g| (exact in float64).
        var parts = new (long MT, float NT, long MG, float NG, long Both, double P)[chunks.Length];
        Parallel.For(0, chunks.Length, c =>
        {
            var t = Span(theta);
            var g = hasG ? Span(gradient!) : default;
            long mt = 0, mg = 0, both = 0;
            float nt = -1, ng = -1;
            double p = 0;
            for (int i = chunks[c].Start; i < chunks[c].End; i++)
            {
                float a = Math.Abs(t[i]);
                bool atT = a == tMax;
                if (atT) mt++; else if (a > nt) nt = a;
                if (!hasG) continue;
                float b = Math.Abs(g[i]);
                bool atG = b == gMax;
                if (atG) mg++; else if (b > ng) ng = b;
                if (atT && atG) both++;
                double prod = (double)a * b;
                if (prod > p) p = prod;
            }
            parts[c] = (mt, nt, mg, ng, both, p);
        });
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
}
