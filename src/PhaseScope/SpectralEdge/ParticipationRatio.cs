namespace PhaseScope.SpectralEdge;

/// <summary>
/// The participation ratio of a spectrum, PR = (Σ_j λ_j)² / Σ_j λ_j², an effective dimension that does not depend on a
/// tail model: d equal eigenvalues give d, one nonzero eigenvalue gives 1, and 1 ≤ PR ≤ (number of nonzero λ). Of a
/// Gram matrix X Xᵀ it is the effective dimension of the rows of X (the nonzero spectra of X Xᵀ and XᵀX agree), so of the
/// update window's Gram it measures the trajectory and of the centred per-sample gradient Gram the gradient covariance —
/// the independent measurement of the "trajectory dimension" that seed 003 §6.2 replaces with d_H = min(d, α).
/// Eigenvalues below zero (rounding of a positive semi-definite matrix) count as zero; an all-zero spectrum has none (NaN).
/// </summary>
public static class ParticipationRatio
{
    /// <summary>(Σλ)²/Σλ² over the nonnegative parts of <paramref name="eigenvalues"/>; NaN when they sum to 0 or are not finite.</summary>
    public static double Of(IReadOnlyList<double> eigenvalues)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        // Scale by the largest value first so that squares of large eigenvalues (10²⁰⁰) do not overflow.
        double max = 0;
        foreach (double v in eigenvalues)
        {
            if (!double.IsFinite(v)) return double.NaN;
            if (v > max) max = v;
        }
        if (max == 0) return double.NaN;
        double sum = 0, squares = 0;
        foreach (double v in eigenvalues)
        {
            if (v <= 0) continue;
            double r = v / max;
            sum += r;
            squares += r * r;
        }
        return sum * sum / squares;
    }
}
