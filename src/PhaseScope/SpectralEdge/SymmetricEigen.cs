namespace PhaseScope.SpectralEdge;

/// <summary>
/// Eigen-decomposition of a small real symmetric matrix (the W×W Gram of seed 001, Def. 1.3) by cyclic
/// Jacobi rotations in float64. Jacobi has high relative accuracy for small eigenvalues, which matters
/// here: the gap ratio σ_j/σ_{j+1} (Def. 6.3) divides by the smaller one. Sizes are the window length
/// (≤ a few hundred), so O(W³) per sweep is nothing beside one pass over the parameters.
/// </summary>
public static class SymmetricEigen
{
    /// <summary>Eigenvalues in descending order and the matching unit eigenvectors (column j of
    /// <c>Vectors</c> belongs to <c>Values[j]</c>).</summary>
    public static (double[] Values, double[,] Vectors) Decompose(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        if (matrix.GetLength(1) != n) throw new ArgumentException($"The matrix must be square (got {n}×{matrix.GetLength(1)}).", nameof(matrix));
        var a = (double[,])matrix.Clone();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++)
            {
                if (!double.IsFinite(a[i, j]) || !double.IsFinite(a[j, i]))
                    throw new ArgumentException($"The matrix holds a non-finite entry at ({i}, {j}).", nameof(matrix));
                double m = 0.5 * (a[i, j] + a[j, i]);
                a[i, j] = a[j, i] = m;
            }
        for (int i = 0; i < n; i++)
            if (!double.IsFinite(a[i, i])) throw new ArgumentException($"The matrix holds a non-finite entry at ({i}, {i}).", nameof(matrix));
        var v = new double[n, n];
        for (int i = 0; i < n; i++) v[i, i] = 1;

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, total = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = a[i, j] * a[i, j];
                    total += s;
                    if (i != j) off += s;
                }
            if (off <= 1e-32 * total || off == 0) break;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p, q];
                    if (apq == 0) continue;
                    double theta = (a[q, q] - a[p, p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
        }
        var order = Enumerable.Range(0, n).OrderByDescending(i => a[i, i]).ToArray();
        var values = order.Select(i => a[i, i]).ToArray();
        var vectors = new double[n, n];
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++) vectors[k, j] = v[k, order[j]];
        return (values, vectors);
    }
}
