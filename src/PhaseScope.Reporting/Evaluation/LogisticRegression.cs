namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// L2-regularised logistic regression in float64, fitted by Newton's method (iteratively reweighted least squares):
/// minimise −Σᵢ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)] + ½ λ ‖w‖² with pᵢ = σ(b + w·xᵢ) (the intercept b is not penalised).
/// Each step solves (Xᵀ S X + λ I′) Δ = Xᵀ(y − p) − λ w′ by Cholesky, S = diag(pᵢ(1 − pᵢ)); the penalty keeps the
/// system positive definite when a feature separates the classes. Used by <see cref="CombinedPredictor"/>.
/// </summary>
public static class LogisticRegression
{
    /// <summary>Fits the model; returns [b, w₁, …, w_d].</summary>
    /// <param name="x">Rows of d features (finite).</param>
    /// <param name="y">Labels.</param>
    /// <param name="lambda">Ridge strength λ &gt; 0.</param>
    /// <param name="iterations">Newton steps at most (stops when the step's largest component is below 1e-10).</param>
    public static double[] Fit(IReadOnlyList<double[]> x, IReadOnlyList<bool> y, double lambda = 1.0, int iterations = 50)
    {
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} rows but {y.Count} labels.");
        if (x.Count == 0) throw new ArgumentException("No samples to fit.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lambda);
        int d = x[0].Length + 1;
        var w = new double[d];
        for (int it = 0; it < iterations; it++)
        {
            var h = new double[d, d];
            var g = new double[d];
            for (int i = 0; i < x.Count; i++)
            {
                double p = Sigmoid(Linear(w, x[i]));
                double r = (y[i] ? 1 : 0) - p, s = p * (1 - p);
                for (int a = 0; a < d; a++)
                {
                    double xa = a == 0 ? 1 : x[i][a - 1];
                    g[a] += r * xa;
                    for (int b = 0; b <= a; b++) h[a, b] += s * xa * (b == 0 ? 1 : x[i][b - 1]);
                }
            }
            for (int a = 1; a < d; a++) { h[a, a] += lambda; g[a] -= lambda * w[a]; }
            h[0, 0] += 1e-9;   // the intercept alone: keeps a single-class fold solvable
            var step = CholeskySolve(h, g);
            double largest = 0;
            for (int a = 0; a < d; a++) { w[a] += step[a]; largest = Math.Max(largest, Math.Abs(step[a])); }
            if (largest < 1e-10) break;
        }
        return w;
    }

    /// <summary>σ(b + w·x) for coefficients from <see cref="Fit"/>.</summary>
    public static double Predict(double[] coefficients, double[] x) => Sigmoid(Linear(coefficients, x));

    static double Linear(double[] w, double[] x)
    {
        double z = w[0];
        for (int j = 0; j < x.Length; j++) z += w[j + 1] * x[j];
        return z;
    }

    static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>Solves A x = b for symmetric positive definite A given by its lower triangle.</summary>
    static double[] CholeskySolve(double[,] a, double[] b)
    {
        int n = b.Length;
        var l = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i, j];
                for (int k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                if (i == j)
                {
                    if (sum <= 0) throw new InvalidOperationException("Logistic regression: the Newton system is not positive definite.");
                    l[i, i] = Math.Sqrt(sum);
                }
                else l[i, j] = sum / l[j, j];
            }
        var z = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++) sum -= l[i, k] * z[k];
            z[i] = sum / l[i, i];
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = z[i];
            for (int k = i + 1; k < n; k++) sum -= l[k, i] * x[k];
            x[i] = sum / l[i, i];
        }
        return x;
    }
}
