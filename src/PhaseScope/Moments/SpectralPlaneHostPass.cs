using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// <see cref="SpectralPlanePartial.Of"/> for a contiguous float32 CPU shard in one host read, with no float64 copies, no
/// index tensors and no sort of n keys: each pair's cell (⌊log|θ_i| / h⌋, ⌊log|g_i| / h⌋), <see cref="SpectralPlanePartial.Zero"/>
/// for an exact zero, is counted in a table, and the occupied cells are listed in ascending (θ cell, g cell) order with
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
        float* t = HostFloat32.Pointer(theta), g = HostFloat32.Pointer(gradient);
        long n = theta.numel();
        var counts = new Dictionary<long, long>();
        bool finiteT = true, finiteG = true;
        for (long i = 0; i < n; i++)
        {
            float x = t[i], y = g[i];
            finiteT &= float.IsFinite(x);
            finiteG &= float.IsFinite(y);
            long key = ((long)Cell(x, binWidth) << 32) | (uint)Cell(y, binWidth);
            ref long c = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _);
            c++;
        }
        if (!finiteT) NonFiniteValuesException.ThrowIfNonFinite(double.NaN, "θ");
        if (!finiteG) NonFiniteValuesException.ThrowIfNonFinite(double.NaN, "g");
        var cells = new Dictionary<(int, int), long>(counts.Count);
        // Signed θ cell, then signed g cell: Zero (int.MinValue) sorts first on each axis, as the tensor path's local index 0.
        foreach (var key in counts.Keys.OrderBy(k => ((int)(k >> 32), (int)(uint)k)))
            cells[((int)(key >> 32), (int)(uint)key)] = counts[key];
        return cells;
    }

    /// <summary>⌊log|x| / h⌋ in float64, or <see cref="SpectralPlanePartial.Zero"/> for x = 0.</summary>
    static int Cell(float x, double h) => x == 0 ? SpectralPlanePartial.Zero : (int)Math.Floor(Math.Log(Math.Abs((double)x)) / h);
}
