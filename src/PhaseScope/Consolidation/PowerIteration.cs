using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>Result of <see cref="PowerIteration"/>.</summary>
/// <param name="Eigenvalue">Rayleigh quotient vᵀHv of the last normalised iterate.</param>
/// <param name="Iterations">Matrix-vector products used.</param>
/// <param name="Converged">Whether two successive estimates agreed to the tolerance.</param>
public sealed record PowerIterationResult(double Eigenvalue, int Iterations, bool Converged);

/// <summary>
/// Power iteration with Rayleigh quotients, as seed 003 §11.6 estimates λ_max(H); kept for comparison with
/// <see cref="Lanczos"/>. It converges to the eigenvalue of largest <em>magnitude</em> (a negative one when the
/// Hessian's most negative eigenvalue dominates), at a rate set by |λ₂/λ₁|, so a crowded top of the spectrum
/// needs many products. Stops when successive estimates differ by at most <c>tolerance</c> relative.
/// </summary>
public static class PowerIteration
{
    /// <summary>Runs power iteration on <paramref name="apply"/> (flat float64 vectors of length <paramref name="dimension"/>).</summary>
    public static PowerIterationResult Run(Func<Tensor, Tensor> apply, long dimension, int maxIterations = 100, double tolerance = 1e-3, long seed = 0)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The operator needs a positive dimension.");
        if (maxIterations < 1) throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, "Power iteration needs at least one iteration.");
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be positive.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        var v = randn([dimension], ScalarType.Float64, generator: generator);
        v /= v.norm();
        double previous = double.NaN;
        for (int i = 1; i <= maxIterations; i++)
        {
            var w = apply(v).to_type(ScalarType.Float64);
            double lambda = w.dot(v).item<double>();
            double norm = w.norm().item<double>();
            if (!double.IsFinite(lambda) || !double.IsFinite(norm))
                throw new ArithmeticException("A Hessian-vector product was not finite; the curvature is undefined here.");
            if (norm == 0) return new PowerIterationResult(0, i, true);
            if (!double.IsNaN(previous) && Math.Abs(lambda - previous) <= tolerance * Math.Abs(lambda))
                return new PowerIterationResult(lambda, i, true);
            previous = lambda;
            v = KeptScalar.Div(w, norm);
        }
        return new PowerIterationResult(previous, maxIterations, false);
    }
}
