using PhaseScope.Consolidation;
using static TorchSharp.torch;

namespace PhaseScope.Stability;

/// <summary>
/// The symmetric form S = D^{1/2} H D^{1/2} of the preconditioned Hessian P⁻¹H, with D = P⁻¹ diagonal and positive:
/// S = D^{−1/2}(P⁻¹H)D^{1/2} is similar to P⁻¹H, so both have the same eigenvalues, and S is symmetric, so Lanczos
/// applies (docs/INSTABILITY.md). One product S v costs one Hessian-vector product and two elementwise multiplies.
/// </summary>
public sealed class PreconditionedHessian
{
    readonly HessianVectorProduct hessian;
    readonly Tensor rootD;

    /// <summary>Wraps <paramref name="hessian"/> with the flat diagonal <paramref name="inverseDiagonal"/> (D, length P, every
    /// entry positive and finite; kept by reference, not copied: the caller keeps it alive while products are taken).</summary>
    /// <exception cref="ArgumentException">D has the wrong length or a non-positive or non-finite entry.</exception>
    public PreconditionedHessian(HessianVectorProduct hessian, Tensor inverseDiagonal)
    {
        if (inverseDiagonal.ndim != 1 || inverseDiagonal.shape[0] != hessian.Dimension)
            throw new ArgumentException($"D must be flat with {hessian.Dimension} elements; it has shape [{string.Join(", ", inverseDiagonal.shape)}].", nameof(inverseDiagonal));
        using (no_grad())
        {
            double min = inverseDiagonal.min().to_type(ScalarType.Float64).item<double>();
            double max = inverseDiagonal.max().to_type(ScalarType.Float64).item<double>();
            if (!(min > 0) || !double.IsFinite(max)) throw new ArgumentException($"D must be positive and finite (range [{min}, {max}]).", nameof(inverseDiagonal));
        }
        this.hessian = hessian;
        rootD = inverseDiagonal.detach().sqrt();
    }

    /// <summary>P.</summary>
    public long Dimension => hessian.Dimension;

    /// <summary>S v = D^{1/2} H (D^{1/2} v), in v's dtype and on its device.</summary>
    public Tensor Apply(Tensor v)
    {
        using var scope = NewDisposeScope();
        var root = rootD.to(v.dtype, v.device);
        var hv = hessian.Apply(v.mul(root));
        return hv.mul_(root).MoveToOuterDisposeScope();
    }

    /// <summary>The D^{1/2} vector (the dtype and device of the D given).</summary>
    public Tensor RootDiagonal => rootD;
}
