using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.SpectralEdge;

/// <summary>
/// A fixed random linear projection ℝ^P → ℝ^{P'} (CountSketch: coordinate i goes to bucket h(i) with sign s(i)),
/// for trajectory windows whose W·P values do not fit (seed 001 works in P ≫ W). It preserves inner products
/// in expectation, E⟨Sa, Sb⟩ = ⟨a, b⟩, with variance ≤ 2‖a‖²‖b‖²/P' (Charikar et al. 2002), so the sketched
/// Gram matrix is unbiased. Applying it is one pass (a scatter-add); it stores P int64 bucket indices and
/// P signs, never a P'×P matrix. The error actually made is measured by <see cref="TrajectoryWindow"/>
/// on the diagonal, where the exact value ‖δ‖² is known.
/// </summary>
public sealed class CountSketch : IDisposable
{
    readonly Tensor buckets;
    readonly Tensor signs;

    /// <summary>Draws the projection from <paramref name="seed"/> (same seed, same projection).</summary>
    public CountSketch(long dimension, long sketchDimension, long seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The input dimension must be positive.");
        if (sketchDimension < 1) throw new ArgumentOutOfRangeException(nameof(sketchDimension), sketchDimension, "The sketch dimension must be positive.");
        Dimension = dimension;
        SketchDimension = sketchDimension;
        using var g = new Generator((ulong)seed);
        buckets = randint(0, sketchDimension, [dimension], dtype: ScalarType.Int64, generator: g).to(device ?? CPU).DetachFromDisposeScope();
        using var coin = randint(0, 2, [dimension], dtype: ScalarType.Int64, generator: g);
        DType = dtype;
        signs = KeptScalar.With(1L, one => KeptScalar.With(2L, two => coin.mul(two)).sub_(one)).to_type(dtype).to(device ?? CPU).DetachFromDisposeScope(); // 2·coin − 1 in int64: ±1
    }

    /// <summary>P.</summary>
    public long Dimension { get; }
    /// <summary>P'.</summary>
    public long SketchDimension { get; }
    /// <summary>The dtype of the sketched vectors.</summary>
    public ScalarType DType { get; }
    /// <summary>Bytes held by the projection (int64 indices and signs).</summary>
    public long Bytes => Dimension * (8 + signs.ElementSize);

    /// <summary>S·x for a 1-D <paramref name="x"/> of length P, in <see cref="DType"/>.</summary>
    public Tensor Apply(Tensor x)
    {
        if (x.dim() != 1 || x.shape[0] != Dimension)
            throw new ArgumentException($"The sketch maps vectors of length {Dimension}; got shape [{string.Join(", ", x.shape)}].", nameof(x));
        using var signed = x.to_type(DType).mul(signs);
        return zeros([SketchDimension], dtype: DType, device: x.device).index_add_(0, buckets, signed, KeptScalar.One);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        buckets.Dispose();
        signs.Dispose();
    }
}
