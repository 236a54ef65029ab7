namespace PhaseScope.SpectralEdge;

/// <summary>
/// Subspace stability of each spectral direction (seed 001, §16).
/// <list type="bullet">
/// <item><see cref="DavisKahan"/>: Def. 16.1 (eq. 77), γ_j = clamp(1 − c·‖ΔΣ‖_F / δ_j, 0, 1), δ_j = min_{i≠j} |λ_j − λ_i|
/// over the neighbours of λ_j = σ_j². The Davis–Kahan sin θ theorem bounds the rotation of the j-th eigenvector by
/// ‖E‖/δ_j (c = 1; the Yu–Wang–Samworth form that needs only the unperturbed gap has c = 2), so 1 − c‖E‖/δ_j is a
/// lower bound on cos θ up to second order. The perturbation is the change of the window's second-moment matrix
/// (<see cref="PushResult.DeltaSigmaFrobenius"/>).</item>
/// <item><see cref="SplitHalf"/>: the empirical version of Test 8: right singular vectors of the first and the
/// second half of the window, v_j⁽¹⁾ and v_j⁽²⁾, and γ̂_j = |⟨v_j⁽¹⁾, v_j⁽²⁾⟩|. Everything comes from G: with
/// X₁, X₂ the halves, G₁₁ = U₁S₁²U₁ᵀ, G₂₂ = U₂S₂²U₂ᵀ and v_a⁽¹⁾ = X₁ᵀu_a⁽¹⁾/s_a, the overlap is
/// u_a⁽¹⁾ᵀ G₁₂ u_b⁽²⁾ / (s_a s_b) with G₁₂ = X₁X₂ᵀ, a block of G. No pass over the parameters.</item>
/// </list>
/// </summary>
public static class StabilityCoefficient
{
    /// <summary>γ_j for every λ_j (descending eigenvalues of G) given the perturbation norm; NaN when it is NaN.</summary>
    public static double[] DavisKahan(IReadOnlyList<double> lambda, double perturbation, double c = 1.0)
    {
        if (!(c > 0)) throw new ArgumentOutOfRangeException(nameof(c), c, "The Davis–Kahan constant c must be positive.");
        var gamma = new double[lambda.Count];
        for (int j = 0; j < lambda.Count; j++)
        {
            double gap = double.PositiveInfinity;
            if (j > 0) gap = Math.Min(gap, Math.Abs(lambda[j - 1] - lambda[j]));
            if (j + 1 < lambda.Count) gap = Math.Min(gap, Math.Abs(lambda[j] - lambda[j + 1]));
            gamma[j] = double.IsNaN(perturbation) ? double.NaN
                : gap == 0 ? (perturbation == 0 ? 1 : 0)
                : Math.Clamp(1 - c * perturbation / gap, 0, 1);
        }
        return gamma;
    }

    /// <summary>γ̂_j for j = 1..min(h, W−h) from the window's Gram matrix (oldest row first), h = ⌊W/2⌋; NaN for a
    /// direction whose half-window singular value is 0 (relative to the half's largest, tolerance <paramref name="relativeTolerance"/>).</summary>
    public static double[] SplitHalf(double[,] gram, double relativeTolerance = 1e-6)
    {
        int w = gram.GetLength(0);
        if (w < 2) throw new ArgumentException("Split-half stability needs at least 2 updates.", nameof(gram));
        int h = w / 2, h2 = w - h;
        var g11 = Block(gram, 0, h, 0, h);
        var g22 = Block(gram, h, h2, h, h2);
        var (l1, u1) = SymmetricEigen.Decompose(g11);
        var (l2, u2) = SymmetricEigen.Decompose(g22);
        int modes = Math.Min(h, h2);
        var result = new double[modes];
        for (int j = 0; j < modes; j++)
        {
            double s1 = Math.Sqrt(Math.Max(0, l1[j])), s2 = Math.Sqrt(Math.Max(0, l2[j]));
            if (s1 <= relativeTolerance * Math.Sqrt(Math.Max(0, l1[0])) || s2 <= relativeTolerance * Math.Sqrt(Math.Max(0, l2[0])) || s1 == 0 || s2 == 0)
            {
                result[j] = double.NaN;
                continue;
            }
            double overlap = 0;
            for (int a = 0; a < h; a++)
                for (int b = 0; b < h2; b++) overlap += u1[a, j] * gram[a, h + b] * u2[b, j];
            result[j] = Math.Min(1, Math.Abs(overlap) / (s1 * s2));
        }
        return result;
    }

    static double[,] Block(double[,] m, int r0, int rows, int c0, int cols)
    {
        var b = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) b[i, j] = m[r0 + i, c0 + j];
        return b;
    }
}
