using System.Numerics;
using System.Runtime.CompilerServices;
using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.SpectralEdge;

/// <summary>
/// The host pass of a <see cref="TrajectoryWindow"/> push for float32 CPU parameters (at the memory floor): the update
/// δ = θ_t − θ_{t−s} is never materialised. A first, read-only pass reads θ, the previous θ and the held rows once and
/// forms ⟨δ, x_j⟩ for every held row and ‖δ‖² (seed 001, Def. 1.3, incrementally); only when all of them are finite does
/// a second pass write δ into the ring slot and θ into the previous snapshot, so a rejected update leaves both exactly as
/// they were. Against the tensor path (concatenate, subtract, W-row matrix–vector product, two copies) it moves
/// 4(W + 6) instead of 4(W + 11) bytes per parameter and makes no temporaries. Sums run in
/// float64 (exact products of the float32 values), chunks added in order, so the result does not depend on the number of
/// threads.
/// </summary>
static class WindowPass
{
    /// <summary>Whether the host pass applies: every part and the previous snapshot are contiguous float32 CPU tensors and the
    /// rows are float32 on the CPU.</summary>
    public static bool Applies(IReadOnlyList<Tensor> current, Tensor previous, Tensor rows) =>
        rows.dtype == ScalarType.Float32 && HostFloat32.Applies(previous) && rows.device_type == TorchSharp.DeviceType.CPU && rows.is_contiguous()
        && current.All(HostFloat32.Applies);

    /// <summary>⟨δ, x_j⟩ for each slot of <paramref name="slots"/> (in that order) followed by ‖δ‖², δ = current − previous.</summary>
    public static unsafe double[] InnerProducts(IReadOnlyList<Tensor> current, Tensor previous, Tensor rows, int[] slots)
    {
        var chunks = HostFloat32.Chunks(current);
        var cur = current.Select(t => (nint)HostFloat32.Pointer(t)).ToArray();
        nint prev = (nint)HostFloat32.Pointer(previous), baseRows = (nint)HostFloat32.Pointer(rows);
        long stride = rows.shape[1];
        int k = slots.Length;
        var parts = new double[chunks.Length][];
        void One(int c)
        {
            var ch = chunks[c];
            var rowPointers = new nint[k];
            for (int j = 0; j < k; j++) rowPointers[j] = baseRows + (nint)((slots[j] * stride + ch.Offset) * sizeof(float));
            parts[c] = Chunk1((float*)cur[ch.Part] + ch.Start, (float*)prev + ch.Offset, rowPointers, ch.Length);
        }
        HostFloat32.Run(chunks, One);
        var total = new double[k + 1];
        foreach (var p in parts)
            for (int j = 0; j <= k; j++) total[j] += p[j];
        return total;
    }

    /// <summary>Writes δ = current − previous into row <paramref name="slot"/> and current into previous.</summary>
    public static unsafe void Commit(IReadOnlyList<Tensor> current, Tensor previous, Tensor rows, int slot)
    {
        var chunks = HostFloat32.Chunks(current);
        var cur = current.Select(t => (nint)HostFloat32.Pointer(t)).ToArray();
        nint prev = (nint)HostFloat32.Pointer(previous), row = (nint)HostFloat32.Pointer(rows) + (nint)(slot * rows.shape[1] * sizeof(float));
        HostFloat32.Run(chunks, c =>
        {
            var ch = chunks[c];
            float* t = (float*)cur[ch.Part] + ch.Start, p = (float*)prev + ch.Offset, r = (float*)row + ch.Offset;
            int w = Vector<float>.Count, i = 0;
            for (; i + w <= ch.Length; i += w)
            {
                var now = Unsafe.ReadUnaligned<Vector<float>>(t + i);
                Unsafe.WriteUnaligned(r + i, now - Unsafe.ReadUnaligned<Vector<float>>(p + i));
                Unsafe.WriteUnaligned(p + i, now);
            }
            for (; i < ch.Length; i++) { r[i] = t[i] - p[i]; p[i] = t[i]; }
        });
    }

    /// <summary>The inner products of one chunk, in float64: δ is formed in float32 (the value stored in the row), then δ and
    /// the row values are widened, so every product is exact and only the float64 sums round (float32
    /// blocks err by ≈ 1e-7·λ₁ on each Gram entry, 2e-5 relative on a σ 250× below σ₁ at P = 10⁶).</summary>
    static unsafe double[] Chunk1(float* t, float* p, nint[] rows, int n)
    {
        int k = rows.Length, w = Vector<float>.Count, i = 0;
        var acc = new Vector<double>[k];
        var self = Vector<double>.Zero;
        for (; i + w <= n; i += w)
        {
            var d = Unsafe.ReadUnaligned<Vector<float>>(t + i) - Unsafe.ReadUnaligned<Vector<float>>(p + i);
            Vector.Widen(d, out var lo, out var hi);
            self += lo * lo + hi * hi;
            for (int j = 0; j < k; j++)
            {
                Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>((float*)rows[j] + i), out var rlo, out var rhi);
                acc[j] += lo * rlo + hi * rhi;
            }
        }
        var result = new double[k + 1];
        for (int j = 0; j < k; j++) result[j] = Vector.Sum(acc[j]);
        result[k] = Vector.Sum(self);
        for (; i < n; i++)
        {
            double d = (float)(t[i] - p[i]);   // the float32 δ the row stores
            result[k] += d * d;
            for (int j = 0; j < k; j++) result[j] += d * ((float*)rows[j])[i];
        }
        return result;
    }
}
