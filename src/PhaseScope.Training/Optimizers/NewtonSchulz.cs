using PhaseScope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Training.Optimizers;

/// <summary>
/// Newton–Schulz orthogonalisation of a matrix G = U Σ Vᵀ: an odd matrix polynomial p applied to X₀ = G/‖G‖_F acts on the
/// singular values only, p(X) = U p(Σ) Vᵀ, so iterating a p that drives every σ ∈ (0, 1] towards 1 approaches the polar
/// factor U Vᵀ without an SVD (the core of Muon). Two iterations:
/// <list type="bullet">
/// <item><see cref="Quintic"/>, Muon's: X ← aX + b(XXᵀ)X + c(XXᵀ)²X with (a, b, c) = (3.4445, −4.7750, 2.0315), five steps.
/// Its large slope at 0 lifts small singular values fast, at the price of not converging: the singular values end
/// near 1 (in roughly [0.7, 1.2]), not at 1. The singular vectors are exactly those of G.</item>
/// <item><see cref="Cubic"/>: X ← 1.5X − 0.5(XXᵀ)X, which converges (quadratically near 1) to U Vᵀ itself for a full-rank G.</item>
/// </list>
/// A tall matrix is orthogonalised through its transpose, so XXᵀ is the smaller Gram matrix.
/// </summary>
public static class NewtonSchulz
{
    /// <summary>Muon's quintic coefficients.</summary>
    public const double A = 3.4445, B = -4.7750, C = 2.0315;

    /// <summary>Muon's orthogonalisation: <paramref name="steps"/> quintic steps from G/‖G‖_F (in G's dtype).</summary>
    /// <exception cref="ArgumentException">G is not a 2-D matrix, or steps &lt; 1.</exception>
    public static Tensor Quintic(Tensor g, int steps = 5) => Iterate(g, steps, x =>
    {
        using var gram = x.matmul(x.t());
        using var bg = KeptScalar.Mul(gram, B);
        using var gg = gram.matmul(gram);
        using var cgg = KeptScalar.Mul(gg, C);
        using var poly = KeptScalar.Sum(bg, cgg);
        using var ax = KeptScalar.Mul(x, A);
        using var px = poly.matmul(x);
        return KeptScalar.Sum(ax, px);
    });

    /// <summary><paramref name="steps"/> cubic steps from G/‖G‖_F: the polar factor U Vᵀ in the limit.</summary>
    /// <exception cref="ArgumentException">G is not a 2-D matrix, or steps &lt; 1.</exception>
    public static Tensor Cubic(Tensor g, int steps) => Iterate(g, steps, x =>
    {
        using var gram = x.matmul(x.t());
        using var gx = gram.matmul(x);
        using var half = KeptScalar.Mul(gx, -0.5);
        using var x15 = KeptScalar.Mul(x, 1.5);
        return KeptScalar.Sum(x15, half);
    });

    static Tensor Iterate(Tensor g, int steps, Func<Tensor, Tensor> step)
    {
        if (g.dim() != 2) throw new ArgumentException($"Newton–Schulz orthogonalises matrices; got a tensor of shape [{string.Join(", ", g.shape)}].", nameof(g));
        if (steps < 1) throw new ArgumentException($"Newton–Schulz needs at least one step (got {steps}).", nameof(steps));
        using var scope = NewDisposeScope();
        bool tall = g.shape[0] > g.shape[1];
        var x = tall ? g.t() : g;
        using var norm = x.norm();
        double n = norm.ToDouble();
        x = n > 0 ? KeptScalar.Div(x, n) : x.clone();
        for (int i = 0; i < steps; i++) x = step(x);
        return (tall ? x.t() : x).contiguous().MoveToOuterDisposeScope();
    }
}
