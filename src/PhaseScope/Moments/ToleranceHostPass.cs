using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// <see cref="ToleranceAlignment"/>'s counts and closeness of a whole parameter set in one host read of θ and g, for
/// contiguous float32 CPU tensors. Each value is widened to float64 and compared with the same float64 thresholds
/// (1 − τ)·θ_max and (1 − τ)·g_max as the tensor path, and the closeness is the same float64
/// max_i min(|θ_i|/θ_max, |g_i|/g_max): counts add and a maximum is exact, so the result equals the tensor path's bit for
/// bit whatever the chunking or the number of threads (<see cref="HostFloat32.Run(int, long, Action{int})"/>).
/// </summary>
static class ToleranceHostPass
{
    /// <summary>One chunk's counts (J, I, both per tolerance) and its largest closeness.</summary>
    sealed class Chunk(int tolerances)
    {
        public readonly long[] J = new long[tolerances], I = new long[tolerances], Both = new long[tolerances];
        public double Closeness = double.NegativeInfinity;
    }

    /// <summary>The sets and closeness of <paramref name="pairs"/> against the maxima (both positive), or null when the pass
    /// does not apply (a θ or g not a contiguous float32 CPU tensor, lengths that differ, no elements, or a tolerance outside
    /// [0, 1), which the tensor path rejects by name).</summary>
    public static unsafe (ToleranceSets[] Sets, double Closeness)? Of(IReadOnlyList<(Tensor Theta, Tensor Gradient)> pairs,
        double thetaMax, double gradMax, IReadOnlyList<double> tolerances)
    {
        if (!(thetaMax > 0) || !(gradMax > 0) || tolerances.Any(tau => !(tau >= 0 && tau < 1))) return null;
        if (HostFloat32.Paired(pairs) is not (var spans, var t, var g)) return null;
        int m = tolerances.Count;
        // The thresholds exactly as the tensor path forms them.
        var thresholdT = tolerances.Select(tau => (1 - tau) * thetaMax).ToArray();
        var thresholdG = tolerances.Select(tau => (1 - tau) * gradMax).ToArray();
        var chunks = new Chunk[spans.Length];
        HostFloat32.Run(spans, c =>
        {
            var chunk = new Chunk(m);
            Count((float*)t[spans[c].Part] + spans[c].Start, (float*)g[spans[c].Part] + spans[c].Start, spans[c].Length,
                thetaMax, gradMax, thresholdT, thresholdG, chunk);
            chunks[c] = chunk;
        });
        var sets = new ToleranceSets[m];
        for (int j = 0; j < m; j++)
            sets[j] = new ToleranceSets(chunks.Sum(c => c.J[j]), chunks.Sum(c => c.I[j]), chunks.Sum(c => c.Both[j]));
        return (sets, chunks.Max(c => c.Closeness));
    }

    /// <summary>Counts one chunk of <paramref name="n"/> pairs into <paramref name="chunk"/>.</summary>
    static unsafe void Count(float* theta, float* gradient, int n, double thetaMax, double gradMax, double[] thresholdT, double[] thresholdG, Chunk chunk)
    {
        int m = thresholdT.Length;
        // Below the lowest thresholds (those of the largest τ) a pair is in no set: most pairs stop here.
        double lowestT = thresholdT.DefaultIfEmpty(double.PositiveInfinity).Min(), lowestG = thresholdG.DefaultIfEmpty(double.PositiveInfinity).Min();
        double closeness = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            double a = Math.Abs((double)theta[i]), b = Math.Abs((double)gradient[i]);
            closeness = Math.Max(closeness, Math.Min(a / thetaMax, b / gradMax));
            if (a < lowestT && b < lowestG) continue;
            for (int j = 0; j < m; j++)
            {
                bool inJ = a >= thresholdT[j], inI = b >= thresholdG[j];
                if (inJ) chunk.J[j]++;
                if (inI) chunk.I[j]++;
                if (inJ && inI) chunk.Both[j]++;
            }
        }
        chunk.Closeness = closeness;
    }
}
