using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>Result of <see cref="Lanczos"/>.</summary>
/// <param name="LambdaMax">Largest Ritz value (estimate of λ_max(H)).</param>
/// <param name="LambdaMin">Smallest Ritz value (estimate of λ_min(H)).</param>
/// <param name="Iterations">Matrix-vector products used.</param>
/// <param name="Converged">Whether the residual bound met the tolerance.</param>
/// <param name="RelativeResidual">β_m |s_m| / |λ_max|: an upper bound on the distance of λ_max's Ritz value to an eigenvalue, relative.</param>
/// <param name="RitzValues">All Ritz values, ascending.</param>
public sealed record LanczosResult(double LambdaMax, double LambdaMin, int Iterations, bool Converged, double RelativeResidual, double[] RitzValues);

/// <summary>
/// Lanczos iteration for the extreme eigenvalues of a symmetric operator (the Hessian, seed 003 §6.1:
/// "power iteration or Lanczos"). Full reorthogonalisation against the stored basis (memory: the iteration cap
/// × P float64 values, allocated up front) keeps ghost copies out of the Ritz values. Stops when the residual bound of the largest
/// Ritz pair, β_{m}|e_mᵀ s|, is at most <c>tolerance</c> × |λ_max| (Parlett: then some eigenvalue lies that
/// close), or at the iteration cap. Unlike power iteration it returns the algebraically largest eigenvalue,
/// not the one of largest magnitude, and converges in far fewer products when the top of the spectrum is crowded.
/// </summary>
public static class Lanczos
{
    /// <summary>Runs Lanczos on <paramref name="apply"/> (v ↦ H v on flat float64 vectors of length <paramref name="dimension"/>).</summary>
    /// <param name="apply">The operator; must be symmetric.</param>
    /// <param name="dimension">P.</param>
    /// <param name="maxIterations">Iteration cap (≥ 1; at most P products are useful).</param>
    /// <param name="tolerance">Relative residual at which to stop (&gt; 0).</param>
    /// <param name="seed">Seed of the start vector's generator (a dedicated generator: training's RNG is not touched).</param>
    public static LanczosResult Run(Func<Tensor, Tensor> apply, long dimension, int maxIterations = 30, double tolerance = 1e-3, long seed = 0)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The operator needs a positive dimension.");
        if (maxIterations < 1) throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, "Lanczos needs at least one iteration.");
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be positive.");
        int cap = (int)Math.Min(maxIterations, dimension);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        // The basis lives in one preallocated [cap, P] matrix: reorthogonalisation is two GEMVs on a view, no copies.
        var basis = empty([cap, dimension], ScalarType.Float64);
        var q = randn([dimension], ScalarType.Float64, generator: generator);
        basis[0].copy_(q / q.norm());
        var alphas = new List<double>();
        var betas = new List<double>();
        double residual = double.PositiveInfinity;
        double[] ritz = [];
        for (int m = 1; m <= cap; m++)
        {
            using var inner = NewDisposeScope();
            var last = basis[m - 1];
            var w = apply(last).to_type(ScalarType.Float64);
            if (w.isnan().any().item<bool>() || w.isinf().any().item<bool>())
                throw new ArithmeticException("A Hessian-vector product was not finite; the curvature is undefined here.");
            double alpha = w.dot(last).item<double>();
            alphas.Add(alpha);
            // Full reorthogonalisation (twice is enough, Kahan–Parlett).
            var filled = basis.narrow(0, 0, m);
            for (int pass = 0; pass < 2; pass++) w -= filled.t().matmul(filled.matmul(w));
            double beta = w.norm().item<double>();
            var (values, lastRow) = Tridiagonal(alphas, betas);
            ritz = values;
            double top = values[^1];
            residual = beta * Math.Abs(lastRow[^1]) / Math.Max(Math.Abs(top), 1e-300);
            if (residual <= tolerance || m == cap || beta <= 1e-12 * Math.Max(1, Math.Abs(top)))
            {
                bool converged = residual <= tolerance || beta <= 1e-12 * Math.Max(1, Math.Abs(top));
                return new LanczosResult(top, values[0], m, converged, residual, values);
            }
            betas.Add(beta);
            basis[m].copy_(KeptScalar.Div(w, beta));
        }
        return new LanczosResult(ritz[^1], ritz[0], cap, false, residual, ritz);
    }

    /// <summary>Eigenvalues (ascending) of the Lanczos tridiagonal T and the last components of its eigenvectors.</summary>
    static (double[] Values, double[] LastComponents) Tridiagonal(List<double> alphas, List<double> betas)
    {
        int m = alphas.Count;
        var t = new double[m * m];
        for (int i = 0; i < m; i++)
        {
            t[i * m + i] = alphas[i];
            if (i + 1 < m) t[i * m + i + 1] = t[(i + 1) * m + i] = betas[i];
        }
        using var scope = NewDisposeScope();
        var (values, vectors) = linalg.eigh(tensor(t, [m, m], ScalarType.Float64));
        var lastRow = vectors.narrow(0, m - 1, 1).flatten();
        return (values.data<double>().ToArray(), lastRow.data<double>().ToArray());
    }
}
