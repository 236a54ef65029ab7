using static TorchSharp.torch;

namespace PhaseScope.SpectralEdge;

/// <summary>
/// The spectrum of one 2-D weight matrix (seed 001, Test 7 reads σ₁/σ₂ of the query projection): singular values,
/// σ₁/σ₂, the stable rank ‖W‖²_F/σ₁² and a power-law exponent α of the eigenvalue density of WᵀW (eigenvalues σ²,
/// <see cref="PowerLawFit"/>). Computed in float64.
/// </summary>
/// <param name="Sigma">Singular values, descending.</param>
/// <param name="Ratio12">σ₁/σ₂ (NaN for a single singular value; +∞ when σ₂ = 0 &lt; σ₁).</param>
/// <param name="StableRank">Σσ²/σ₁² (NaN for a zero matrix).</param>
/// <param name="PowerLaw">The tail fit of σ².</param>
public sealed record WeightSpectrum(double[] Sigma, double Ratio12, double StableRank, PowerLawFit PowerLaw)
{
    /// <summary>The spectrum of <paramref name="matrix"/> (2-D, finite).</summary>
    public static WeightSpectrum Of(Tensor matrix, int minTail = 10)
    {
        if (matrix.dim() != 2) throw new ArgumentException($"A weight spectrum needs a 2-D matrix; got shape [{string.Join(", ", matrix.shape)}].", nameof(matrix));
        if (matrix.shape[0] == 0 || matrix.shape[1] == 0) throw new ArgumentException("The matrix is empty.", nameof(matrix));
        using var scope = NewDisposeScope();
        var m = matrix.detach().to_type(ScalarType.Float64);
        if (!m.isfinite().all().item<bool>()) throw new ArgumentException("The matrix holds NaN or ±Inf; its spectrum is undefined.", nameof(matrix));
        // (Tried: eigvalsh of the float64 Gram of the smaller side. libtorch's eigvalsh took 30–40 ms on a 128×128 Gram where
        // svdvals of the 128×128 matrix took 4 ms, so the Gram route tripled the README run's weight-spectra time.)
        var sigma = linalg.svdvals(m).cpu().data<double>().ToArray();
        return FromSingularValues(sigma, minTail);
    }

    /// <summary>The statistics of given singular values (any order).</summary>
    public static WeightSpectrum FromSingularValues(IEnumerable<double> singularValues, int minTail = 10)
    {
        var sigma = singularValues.OrderByDescending(s => s).ToArray();
        double ratio = sigma.Length < 2 ? double.NaN : sigma[1] > 0 ? sigma[0] / sigma[1] : sigma[0] > 0 ? double.PositiveInfinity : double.NaN;
        double stable = sigma.Length > 0 && sigma[0] > 0 ? sigma.Sum(s => s * s) / (sigma[0] * sigma[0]) : double.NaN;
        return new WeightSpectrum(sigma, ratio, stable, PowerLawFit.Fit(sigma.Select(s => s * s), Math.Min(minTail, Math.Max(2, sigma.Length))));
    }
}
