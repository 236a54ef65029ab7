using PhaseScope.Consolidation;
using static TorchSharp.torch;

namespace PhaseScope.Stability;

/// <summary>Curvature along one direction u: the Rayleigh quotient uᵀHu / uᵀu and the quadratic model of the loss along u.</summary>
/// <param name="Sharpness">uᵀHu / uᵀu (between λ_min(H) and λ_max(H)).</param>
/// <param name="Slope">gᵀu, the first-order change of the loss along u.</param>
/// <param name="Curvature">uᵀHu, twice the second-order change.</param>
/// <param name="SquaredNorm">uᵀu.</param>
public sealed record DirectionalReading(double Sharpness, double Slope, double Curvature, double SquaredNorm)
{
    /// <summary>The quadratic model's change of the loss over the whole step u: gᵀu + ½uᵀHu.</summary>
    public double ModelChange => Slope + Curvature / 2;
}

/// <summary>
/// Directional sharpness along a step u (docs/INSTABILITY.md): one Hessian-vector product gives uᵀHu, the gradient already held by
/// the product gives gᵀu. Along u the loss is L(θ + su) ≈ L + s gᵀu + ½ s² uᵀHu, so a step of size s grows the loss once
/// s &gt; −2gᵀu / uᵀHu; for gradient descent (u = −ηg) this is η·(uᵀHu/uᵀu) &gt; 2, the edge of stability seen along the step.
/// Computed in float64 from vectors of any float dtype.
/// </summary>
public static class DirectionalSharpness
{
    /// <summary>The reading along <paramref name="u"/> (flat, length P); null when u is zero.</summary>
    public static DirectionalReading? Along(HessianVectorProduct hessian, Tensor u)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var u64 = u.detach().to_type(ScalarType.Float64);
        double squared = u64.dot(u64).item<double>();
        if (!(squared > 0)) return null;
        var hu = hessian.Apply(u).to_type(ScalarType.Float64);
        double curvature = hu.dot(u64).item<double>();
        double slope = hessian.Gradient.detach().to_type(ScalarType.Float64).dot(u64).item<double>();
        return new DirectionalReading(curvature / squared, slope, curvature, squared);
    }
}
