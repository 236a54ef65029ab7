using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PhaseScope.Runtime;

/// <summary>
/// Host-side passes over contiguous float32 CPU tensors, for the per-step probes whose libtorch versions are slower than
/// memory allows (the memory floor: <c>torch.dist</c> moved 8 bytes per parameter at ≈ 8.6 GB/s on this machine, a
/// quarter to a third of its triad bandwidth). Work is cut into fixed chunks of <see cref="ChunkElements"/> elements, each chunk's partial
/// sums are formed in float32 over short blocks and added in float64, and the chunks' results are added in chunk order:
/// the result is the same bit for bit whatever the number of threads or their scheduling.
/// </summary>
public static class HostFloat32
{
    /// <summary>Elements per chunk, the unit of parallel work and of the deterministic reduction.</summary>
    public const int ChunkElements = 1 << 16;

    /// <summary>Elements per float32 block before its partial sums are added into float64 (each SIMD lane adds 512/lanes
    /// terms in float32: relative error ≤ 64·2⁻²⁴ per block with 8 lanes, 128·2⁻²⁴ with 4).</summary>
    internal const int BlockElements = 512;

    /// <summary>A pass over at most this many chunks' worth of elements (3·2¹⁶) runs on the calling thread: below it the
    /// parallel loop's start costs more than a second core gives.</summary>
    const int SequentialChunks = 3;

    /// <summary>One chunk of a pass over several tensors: <paramref name="Length"/> elements of tensor <paramref name="Part"/>
    /// from <paramref name="Start"/>, at <paramref name="Offset"/> in their flat concatenation.</summary>
    internal readonly record struct Chunk(int Part, long Start, int Length, long Offset);

    /// <summary>The tensors cut into chunks of at most <see cref="ChunkElements"/> elements, in flat order (none for an empty
    /// tensor); the unit of <see cref="Run(Chunk[], Action{int})"/> and of the chunk-ordered reduction.</summary>
    internal static Chunk[] Chunks(IReadOnlyList<Tensor> parts)
    {
        var chunks = new List<Chunk>();
        long offset = 0;
        for (int part = 0; part < parts.Count; part++)
        {
            long n = parts[part].numel();
            for (long s = 0; s < n; s += ChunkElements)
                chunks.Add(new Chunk(part, s, (int)Math.Min(ChunkElements, n - s), offset + s));
            offset += n;
        }
        return chunks.ToArray();
    }

    /// <summary>The chunks of paired tensors (θ_i with g_i, paired index by index; the chunks follow the first of each pair)
    /// and the two tensors' data addresses per pair, or null when a pass over them does not apply: a tensor not
    /// <see cref="Applies">contiguous float32 on the CPU</see>, a pair of unequal lengths, or no elements at all.</summary>
    internal static unsafe (Chunk[] Spans, nint[] First, nint[] Second)? Paired(IReadOnlyList<(Tensor First, Tensor Second)> pairs)
    {
        foreach (var (first, second) in pairs)
            if (!Applies(first) || !Applies(second) || first.numel() != second.numel()) return null;
        var spans = Chunks(pairs.Select(p => p.First).ToList());
        if (spans.Length == 0) return null;
        return (spans, pairs.Select(p => (nint)Pointer(p.First)).ToArray(), pairs.Select(p => (nint)Pointer(p.Second)).ToArray());
    }

    /// <summary>Whether <paramref name="t"/> is a contiguous float32 tensor on the CPU (the host passes apply).</summary>
    public static bool Applies(Tensor t) =>
        t.device_type == TorchSharp.DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous() && t.numel() <= int.MaxValue;

    /// <summary>The address of a contiguous float32 CPU tensor's first element (libtorch memory: it does not move while the
    /// tensor lives).</summary>
    internal static unsafe float* Pointer(Tensor t) =>
        t.numel() == 0 ? null : (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(t.bytes)));

    /// <summary>Σ (a_i − b_i)² in float64 for two host float32 tensors of equal length (see the class remarks), or null when
    /// either is not a host float32 tensor or their lengths differ. NaN or ±Inf in either gives a non-finite sum. It is
    /// <see cref="SquaredSums(Tensor, Tensor, Tensor)"/>'s Σ (a − b)², the same sums in the same order.</summary>
    public static double? SquaredDistance(Tensor a, Tensor b) => SquaredSums(a, b, null)?.AB;

    /// <summary>Σ a², Σ (a − b)² and Σ (a − c)² in float64 over one read of each of three host float32 tensors of equal length
    /// (see the class remarks); a null <paramref name="b"/> or <paramref name="c"/> is not read and its sum is 0. Null when a
    /// given tensor is not a host float32 tensor or the lengths differ. NaN or ±Inf in a tensor gives a non-finite sum.</summary>
    public static unsafe (double A, double AB, double AC)? SquaredSums(Tensor a, Tensor? b, Tensor? c)
    {
        if (!Applies(a) || b is not null && (!Applies(b) || b.numel() != a.numel()) || c is not null && (!Applies(c) || c.numel() != a.numel()))
            return null;
        long n = a.numel();
        float* pa = Pointer(a), pb = b is null ? null : Pointer(b), pc = c is null ? null : Pointer(c);
        int count = (int)((n + ChunkElements - 1) / ChunkElements);
        var parts = new (double A, double AB, double AC)[count];
        Run(count, n, k =>
        {
            long s = (long)k * ChunkElements;
            parts[k] = SquaredSums(pa + s, pb is null ? null : pb + s, pc is null ? null : pc + s, (int)Math.Min(ChunkElements, n - s));
        });
        double ta = 0, tb = 0, tc = 0;
        foreach (var (pA, pAB, pAC) in parts) { ta += pA; tb += pAB; tc += pAC; }
        return (ta, tb, tc);
    }

    /// <summary>Σ a², Σ (a − b)², Σ (a − c)² over <paramref name="n"/> elements in one read (null b or c: not read, sum 0):
    /// float32 blocks of <see cref="BlockElements"/>, float64 between blocks.</summary>
    internal static unsafe (double A, double AB, double AC) SquaredSums(float* a, float* b, float* c, int n)
    {
        if (b is null && c is not null) { var (sa, sc, _) = SquaredSums(a, c, null, n); return (sa, 0, sc); }
        double ta = 0, tb = 0, tc = 0;
        int w = Vector<float>.Count;
        for (int block = 0; block < n; block += BlockElements)
        {
            int end = Math.Min(n, block + BlockElements), i = block;
            Vector<float> va = Vector<float>.Zero, vb = Vector<float>.Zero, vc = Vector<float>.Zero;
            if (c is not null)
                for (; i + w <= end; i += w)
                {
                    var x = Unsafe.ReadUnaligned<Vector<float>>(a + i);
                    var db = x - Unsafe.ReadUnaligned<Vector<float>>(b + i);
                    var dc = x - Unsafe.ReadUnaligned<Vector<float>>(c + i);
                    va += x * x; vb += db * db; vc += dc * dc;
                }
            else if (b is not null)
                for (; i + w <= end; i += w)
                {
                    var x = Unsafe.ReadUnaligned<Vector<float>>(a + i);
                    var db = x - Unsafe.ReadUnaligned<Vector<float>>(b + i);
                    va += x * x; vb += db * db;
                }
            else
                for (; i + w <= end; i += w)
                {
                    var x = Unsafe.ReadUnaligned<Vector<float>>(a + i);
                    va += x * x;
                }
            double sa = Vector.Sum(va), sb = Vector.Sum(vb), sc2 = Vector.Sum(vc);
            for (; i < end; i++)
            {
                float x = a[i];
                sa += x * x;
                if (b is not null) { float d = x - b[i]; sb += d * d; }
                if (c is not null) { float d = x - c[i]; sc2 += d * d; }
            }
            ta += sa; tb += sb; tc += sc2;
        }
        return (ta, tb, tc);
    }

    /// <summary>Runs chunks 0…count−1 of at most <see cref="ChunkElements"/> elements each, <paramref name="elements"/> in
    /// all: on the calling thread up to <see cref="SequentialChunks"/> chunks' worth of elements (many small tensors make
    /// many small chunks), else in parallel.</summary>
    internal static void Run(int count, long elements, Action<int> chunk)
    {
        if (elements <= (long)SequentialChunks * ChunkElements) { for (int c = 0; c < count; c++) chunk(c); }
        else Parallel.For(0, count, chunk);
    }

    /// <summary><see cref="Run(int, long, Action{int})"/> over <paramref name="chunks"/>.</summary>
    internal static void Run(Chunk[] chunks, Action<int> chunk) => Run(chunks.Length, chunks.Sum(c => (long)c.Length), chunk);
}
