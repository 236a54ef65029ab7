using PhaseScope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Training.Ablation;

/// <summary>
/// The norm-matched control of Test 8's ablation (<see cref="DirectionAblation"/>): it removes from an update as much
/// norm as the top-k arm removed, along k random directions of the same window. The plane A is drawn uniformly among
/// the k-planes of the window's span (the span of its W update directions v₁ … v_W): A = Qᵀ V_Wᵀ with Q the Q factor of
/// a W × k standard Gaussian matrix, so A's rows are orthonormal and lie in the span. At each step the update δ loses
/// r = n · A Aᵀ δ ÷ ‖A Aᵀ δ‖, where n is the norm the top-k arm removed at the same step of its span: ‖r‖ = n exactly,
/// and r points along the part of δ that lies in A (scaled up when that part is smaller than n, so the removal can
/// overshoot A's share of δ but never leaves the window's span). Where δ has no component in A, nothing is removed.
/// </summary>
public static class NormMatchedRemoval
{
    /// <summary>k orthonormal rows drawn uniformly in the span of <paramref name="directions"/>' rows (orthonormal rows,
    /// [W, P]).</summary>
    public static Tensor RandomPlaneInSpan(Tensor directions, int k, Generator generator)
    {
        long w = directions.shape[0];
        if (k < 1 || k > w) throw new ArgumentOutOfRangeException(nameof(k), k, $"A plane in a {w}-dimensional span has 1 … {w} directions.");
        using var scope = NewDisposeScope();
        var gaussian = randn([w, k], dtype: directions.dtype, generator: generator);
        var (q, r) = linalg.qr(gaussian);
        r.Dispose();
        return q.t().matmul(directions).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The part removed from <paramref name="delta"/> ([P]): norm · A Aᵀ δ ÷ ‖A Aᵀ δ‖ for the plane
    /// <paramref name="plane"/> ([k, P], orthonormal rows); zero where A Aᵀ δ is zero or the norm is not positive.</summary>
    public static Tensor Removed(Tensor plane, Tensor delta, double norm)
    {
        if (plane.dim() != 2 || delta.dim() != 1 || plane.shape[1] != delta.shape[0])   // a mismatched matmul aborts the process
            throw new ArgumentException($"The plane must be [k, P] and the update [P] (got [{string.Join(", ", plane.shape)}] and [{string.Join(", ", delta.shape)}]).", nameof(delta));
        using var scope = NewDisposeScope();
        var projection = plane.t().matmul(plane.matmul(delta));
        double length = projection.norm().ToDouble();
        var removed = length > 0 && norm > 0 && double.IsFinite(norm) ? KeptScalar.Mul(projection, norm / length) : zeros_like(delta);
        return removed.MoveToOuterDisposeScope();
    }
}
