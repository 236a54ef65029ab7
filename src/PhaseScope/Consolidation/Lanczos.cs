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
/// <param name="TopVector">The unit Ritz vector of λ_max (float64, length P, owned by the caller) when asked for, else null:
/// the start of the next call of a <see cref="LambdaMaxTracker"/>.</param>
public sealed record LanczosResult(double LambdaMax, double LambdaMin, int Iterations, bool Converged, double RelativeResidual, double[] RitzValues,
    Tensor? TopVector = null);

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
    /// <param name="start">Start vector (length P, any dtype, not modified; normalised here) instead of a random one: a warm
    /// start from a previous top Ritz vector (<see cref="LambdaMaxTracker"/>). A zero or non-finite start is refused.</param>
    /// <param name="keepTopVector">Return the top Ritz vector in <see cref="LanczosResult.TopVector"/>.</param>
    /// <param name="device">Where the basis and the vectors handed to <paramref name="apply"/> live (null: the start vector's
    /// device, else the CPU); they are float64 wherever they are. A random start is drawn on the CPU and moved, so the same
    /// seed gives the same start on every device.</param>
    public static LanczosResult Run(Func<Tensor, Tensor> apply, long dimension, int maxIterations = 30, double tolerance = 1e-3, long seed = 0,
        Tensor? start = null, bool keepTopVector = false, Device? device = null)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The operator needs a positive dimension.");
        if (maxIterations < 1) throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, "Lanczos needs at least one iteration.");
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be positive.");
        int cap = (int)Math.Min(maxIterations, dimension);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        // The basis lives in one preallocated [cap, P] matrix: reorthogonalisation is two GEMVs on a view, no copies.
        var at = device ?? start?.device ?? CPU;
        var basis = empty([cap, dimension], ScalarType.Float64, device: at);
        if (start is not null && (start.dim() != 1 || start.shape[0] != dimension))
            throw new ArgumentException($"The start vector must be 1-D of length P = {dimension}; got shape [{string.Join(", ", start.shape)}].", nameof(start));
        var q = start is null ? randn([dimension], ScalarType.Float64, generator: generator).to(at) : start.detach().to(ScalarType.Float64, at);
        double qNorm = q.norm().item<double>();
        if (!(qNorm > 0) || !double.IsFinite(qNorm)) throw new ArgumentException("The start vector must be finite and non-zero.", nameof(start));
        basis[0].copy_(KeptScalar.Div(q, qNorm));
        var alphas = new List<double>();
        var betas = new List<double>();
        double residual = double.PositiveInfinity;
        double[] ritz = [];
        for (int m = 1; m <= cap; m++)
        {
            using var inner = NewDisposeScope();
            var last = basis[m - 1];
            var w = apply(last).to(ScalarType.Float64, at);
            if (w.isnan().any().item<bool>() || w.isinf().any().item<bool>())
                throw new ArithmeticException("A Hessian-vector product was not finite; the curvature is undefined here.");
            double alpha = w.dot(last).item<double>();
            alphas.Add(alpha);
            // Full reorthogonalisation (twice is enough, Kahan–Parlett).
            var filled = basis.narrow(0, 0, m);
            for (int pass = 0; pass < 2; pass++) w -= filled.t().matmul(filled.matmul(w));
            double beta = w.norm().item<double>();
            var (values, lastRow, topCoefficients) = Tridiagonal(alphas, betas);
            ritz = values;
            double top = values[^1];
            residual = beta * Math.Abs(lastRow[^1]) / Math.Max(Math.Abs(top), 1e-300);
            if (residual <= tolerance || m == cap || beta <= 1e-12 * Math.Max(1, Math.Abs(top)))
            {
                bool converged = residual <= tolerance || beta <= 1e-12 * Math.Max(1, Math.Abs(top));
                // The Ritz vector Q_m s of the top Ritz value (unit: Q_m has orthonormal rows, s is a unit vector).
                Tensor? vector = keepTopVector
                    ? filled.t().matmul(tensor(topCoefficients, ScalarType.Float64).to(at)).DetachFromDisposeScope()
                    : null;
                return new LanczosResult(top, values[0], m, converged, residual, values, vector);
            }
            betas.Add(beta);
            basis[m].copy_(KeptScalar.Div(w, beta));
        }
        return new LanczosResult(ritz[^1], ritz[0], cap, false, residual, ritz);
    }

    /// <summary>Eigenvalues (ascending) of the Lanczos tridiagonal T, the last components of its eigenvectors and the
    /// eigenvector of the largest eigenvalue.</summary>
    static (double[] Values, double[] LastComponents, double[] TopVector) Tridiagonal(List<double> alphas, List<double> betas)
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
        var topColumn = vectors.narrow(1, m - 1, 1).flatten().contiguous();
        return (values.data<double>().ToArray(), lastRow.data<double>().ToArray(), topColumn.data<double>().ToArray());
    }
}
