namespace PhaseScope.SpectralEdge;

/// <summary>
/// The spectrum of one trajectory window and the seed's gap statistics (seed 001; the extracted text lost the
/// formulas, these are reconstructed from the definitions' words and the authors' code, docs/MATH.md "Seed 001's gap position k*"):
/// <list type="bullet">
/// <item>σ_1 ≥ … ≥ σ_W, the singular values of X (Def. 1.3: σ_j² are the eigenvalues of G = X Xᵀ);</item>
/// <item>k* = argmax_j σ_j/σ_{j+1} (Def. 6.1, eq. 13) and the authors' weighted k*_w = argmax_j (σ_j/Σσ)·(σ_j/σ_{j+1});</item>
/// <item>the gap ratio R = σ_{k*}/σ_{k*+1} (Def. 6.3, eq. 15), the gap σ²_{k*} − σ²_{k*+1} (Def. 8.1) and g₂₃ = σ₂² − σ₃²;</item>
/// <item>k₀.₉₅ = min k with Σ_{j≤k} σ_j² ≥ 0.95·Σ_j σ_j² (Def. 7.1).</item>
/// </list>
/// Ratios are taken only over the numerical rank r (σ_{j+1} &gt; tol·σ_1, tol = √(W·ε) of the storage dtype):
/// below it σ is rounding noise and a ratio against it would be meaningless (and infinite for exact zeros).
/// k* and the ratios are 1-based like the seed's; k* = 0 and NaN ratios when r &lt; 2.
/// </summary>
/// <param name="Sigma">Singular values, descending.</param>
/// <param name="LeftVectors">Unit eigenvectors of G (left singular vectors of X), column j for σ_j, rows oldest update first.</param>
/// <param name="Rank">Numerical rank r.</param>
/// <param name="KStar">k* (Def. 6.1), 1-based; 0 when undefined.</param>
/// <param name="KStarWeighted">The authors' weighted k*, 1-based; 0 when undefined.</param>
/// <param name="GapRatio">σ_{k*}/σ_{k*+1} (Def. 6.3).</param>
/// <param name="Gap">σ²_{k*} − σ²_{k*+1} (Def. 8.1).</param>
/// <param name="G23">σ₂² − σ₃² (NaN for W &lt; 3).</param>
/// <param name="K95">k₀.₉₅ (Def. 7.1).</param>
public sealed record WindowSpectrum(double[] Sigma, double[,] LeftVectors, int Rank, int KStar, int KStarWeighted, double GapRatio, double Gap,
    double G23, int K95)
{
    /// <summary>Eigenvalues λ_j = σ_j² of G.</summary>
    public double[] Lambda => Sigma.Select(s => s * s).ToArray();

    /// <summary>Consecutive ratios σ_j/σ_{j+1} for j = 1..r−1.</summary>
    public double[] Ratios => Enumerable.Range(0, Math.Max(0, Rank - 1)).Select(j => Sigma[j] / Sigma[j + 1]).ToArray();

    /// <summary>The spectrum of a Gram matrix. <paramref name="relativeTolerance"/> null picks √(W·ε) for float32 rows;
    /// pass a smaller one for float64 rows.</summary>
    public static WindowSpectrum Of(double[,] gram, double? relativeTolerance = null)
    {
        int w = gram.GetLength(0);
        if (w < 1) throw new ArgumentException("The Gram matrix is empty: the window holds no updates yet.", nameof(gram));
        var (values, vectors) = SymmetricEigen.Decompose(gram);
        var sigma = values.Select(v => Math.Sqrt(Math.Max(0, v))).ToArray();
        double tol = relativeTolerance ?? Math.Sqrt(w * 1.1920929e-7);
        int rank = sigma[0] > 0 ? sigma.Count(s => s > tol * sigma[0]) : 0;

        int kStar = 0, kWeighted = 0;
        double best = double.NegativeInfinity, bestWeighted = double.NegativeInfinity;
        double sum = sigma.Take(rank).Sum();
        for (int j = 0; j + 1 < rank; j++)
        {
            double ratio = sigma[j] / sigma[j + 1];
            if (ratio > best) { best = ratio; kStar = j + 1; }
            double weighted = sigma[j] / sum * ratio;
            if (weighted > bestWeighted) { bestWeighted = weighted; kWeighted = j + 1; }
        }
        double total = sigma.Sum(s => s * s), cumulative = 0;
        int k95 = 0;
        for (int j = 0; j < w && total > 0; j++)
        {
            cumulative += sigma[j] * sigma[j];
            if (cumulative >= 0.95 * total) { k95 = j + 1; break; }
        }
        return new WindowSpectrum(sigma, vectors, rank, kStar, kWeighted,
            GapRatio: kStar > 0 ? sigma[kStar - 1] / sigma[kStar] : double.NaN,
            Gap: kStar > 0 ? sigma[kStar - 1] * sigma[kStar - 1] - sigma[kStar] * sigma[kStar] : double.NaN,
            G23: w >= 3 ? sigma[1] * sigma[1] - sigma[2] * sigma[2] : double.NaN,
            K95: k95);
    }
}
