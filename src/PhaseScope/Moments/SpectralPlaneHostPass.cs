using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// <see cref="SpectralPlanePartial.Of"/> for a contiguous float32 CPU shard in one host read, with no float64 copies, no
/// index tensors and no sort of n keys: each pair's cell (⌊log|θ_i| / h⌋, ⌊log|g_i| / h⌋), <see cref="SpectralPlanePartial.Zero"/>
/// for an exact zero, is counted in a table (dense over the local index range where the tensor path counts densely,
/// <see cref="SpectralPlanePartial.CountsDensely"/>, else hashed), and the occupied cells are listed in ascending (θ cell, g cell) order with
/// zeros first, the order in which the tensor path's dense count or sorted unique hands them over, so the partial and
/// everything computed from it (<see cref="SpectralPlanePartial.Spearman"/>'s sums) are the same. The logarithm is .NET's
/// (<see cref="Math.Log(double)"/>) of the value widened to float64, the tensor path's is libtorch's: both are within an
/// ulp, and a cell differs only where log|x| / h lies within an ulp of an integer (for float32 x, log|x| is never an exact
/// multiple of h except at |x| = 1).
/// </summary>
static class SpectralPlaneHostPass
{
    /// <summary>The occupied cells and counts of θ and g (equal length, float32 CPU, contiguous), in the tensor path's
    /// order; null when the pass does not apply. Throws <see cref="NonFiniteValuesException"/> naming θ before g.</summary>
    public static unsafe Dictionary<(int Theta, int Grad), long>? Cells(Tensor theta, Tensor gradient, double binWidth)
    {
        if (!HostFloat32.Applies(theta) || !HostFloat32.Applies(gradient) || theta.numel() != gradient.numel() || theta.numel() == 0) return null;
        if (theta.numel() > int.MaxValue / 4) return null;
        float* t = HostFloat32.Pointer(theta), g = HostFloat32.Pointer(gradient);
        int n = (int)theta.numel();
        var cellT = System.Buffers.ArrayPool<int>.Shared.Rent(n);
        var cellG = System.Buffers.ArrayPool<int>.Shared.Rent(n);
        try
        {
            bool finiteT = true, finiteG = true;
            int minT = int.MaxValue, maxT = int.MinValue, minG = int.MaxValue, maxG = int.MinValue;
            for (int i = 0; i < n; i++)
            {
                float x = t[i], y = g[i];
                finiteT &= float.IsFinite(x);
                finiteG &= float.IsFinite(y);
                int a = Cell(x, binWidth), b = Cell(y, binWidth);
                cellT[i] = a;
                cellG[i] = b;
                if (a != SpectralPlanePartial.Zero) { minT = Math.Min(minT, a); maxT = Math.Max(maxT, a); }
                if (b != SpectralPlanePartial.Zero) { minG = Math.Min(minG, b); maxG = Math.Max(maxG, b); }
            }
            if (!finiteT) NonFiniteValuesException.ThrowIfNonFinite(double.NaN, "θ");
            if (!finiteG) NonFiniteValuesException.ThrowIfNonFinite(double.NaN, "g");
            // Local indices as the tensor path forms them: 0 for a zero, 1 + (cell − min) otherwise.
            long spanT = minT > maxT ? 1 : (long)maxT - minT + 2, spanG = minG > maxG ? 1 : (long)maxG - minG + 2;
            return SpectralPlanePartial.CountsDensely(spanT * spanG, n)
                ? Dense(cellT, cellG, n, minT, minG, spanT, spanG)
                : Sparse(cellT, cellG, n);
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(cellT);
            System.Buffers.ArrayPool<int>.Shared.Return(cellG);
        }
    }

    /// <summary>Counts in a dense table of local indices, read back in ascending order.</summary>
    static Dictionary<(int, int), long> Dense(int[] cellT, int[] cellG, int n, int minT, int minG, long spanT, long spanG)
    {
        var table = new int[spanT * spanG];
        for (int i = 0; i < n; i++)
        {
            long a = cellT[i] == SpectralPlanePartial.Zero ? 0 : 1L + cellT[i] - minT;
            long b = cellG[i] == SpectralPlanePartial.Zero ? 0 : 1L + cellG[i] - minG;
            table[a * spanG + b]++;
        }
        var cells = new Dictionary<(int, int), long>();
        for (long k = 0; k < table.Length; k++)
        {
            if (table[k] == 0) continue;
            long a = k / spanG, b = k % spanG;
            cells[(a == 0 ? SpectralPlanePartial.Zero : (int)(minT + a - 1), b == 0 ? SpectralPlanePartial.Zero : (int)(minG + b - 1))] = table[k];
        }
        return cells;
    }

    /// <summary>Counts in a hash table of sort keys, listed in ascending key order.</summary>
    static Dictionary<(int, int), long> Sparse(int[] cellT, int[] cellG, int n)
    {
        var counts = new Dictionary<long, long>(Mixing.Instance);
        for (int i = 0; i < n; i++)
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, SortKey(cellT[i], cellG[i]), out _)++;
        var keys = counts.Keys.ToArray();
        Array.Sort(keys);
        var cells = new Dictionary<(int, int), long>(keys.Length);
        foreach (var key in keys) cells[((int)(key >> 32), (int)((uint)key ^ 0x80000000u))] = counts[key];
        return cells;
    }

    /// <summary>A long whose order is that of (θ cell, g cell), each signed, so <see cref="SpectralPlanePartial.Zero"/> (int.MinValue) sorts first on each axis as the tensor path's local index 0.</summary>
    static long SortKey(int a, int b) => ((long)a << 32) | ((uint)b ^ 0x80000000u);

    /// <summary>A multiplicative (Fibonacci) hash of the packed cell pair: long's own hash, hi ^ lo, sends the many pairs of
    /// small negative cell indices to few buckets.</summary>
    sealed class Mixing : IEqualityComparer<long>
    {
        public static readonly Mixing Instance = new();
        public bool Equals(long a, long b) => a == b;
        public int GetHashCode(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 32);
    }

    /// <summary>⌊log|x| / h⌋ in float64, or <see cref="SpectralPlanePartial.Zero"/> for x = 0.</summary>
    static int Cell(float x, double h) => x == 0 ? SpectralPlanePartial.Zero : (int)Math.Floor(Math.Log(Math.Abs((double)x)) / h);
}
