namespace PhaseScope.SpectralEdge;

/// <summary>
/// Seed 001's reading of one full window of updates: the Gram matrix G = X Xᵀ (§3), its spectrum with k*, the gap ratio,
/// g₂₃ and k₀.₉₅ (<see cref="WindowSpectrum"/>, Def. 6.1–8.1), the split-half stability of each direction (§16) and, when
/// a gap is named (k* ≥ 1) and P ≥ W, the p-value of its gap ratio under the flat null (Prop. 6.4, <see cref="MaxRatioNull"/>).
/// The spectral probe and <c>phasescope spectral</c> both read a window through it.
/// </summary>
/// <param name="Gram">G of the window (float64, rows oldest update first).</param>
/// <param name="Spectrum">The singular values of X and what seed 001 reads from them.</param>
/// <param name="SplitHalf">Split-half stability per direction (§16; NaN where undefined).</param>
/// <param name="NullP">P(max consecutive ratio ≥ the observed gap ratio) under the isotropic null, or null when not computed.</param>
public sealed record SpectralAnalysis(double[,] Gram, WindowSpectrum Spectrum, double[] SplitHalf, double? NullP)
{
    /// <summary>Draws of the simulated null when the caller does not say (<see cref="MaxRatioNull.For"/>'s default).</summary>
    public const int DefaultNullDraws = 4000;

    /// <summary>The reading of a full <paramref name="window"/>.</summary>
    /// <param name="window">A full trajectory window.</param>
    /// <param name="nullDraws">Draws of the simulated null (0: no p-value).</param>
    /// <param name="nullSeed">Seed of the null's draws.</param>
    public static SpectralAnalysis Of(TrajectoryWindow window, int nullDraws = DefaultNullDraws, long nullSeed = 0)
    {
        if (!window.IsFull) throw new InvalidOperationException($"The window holds {window.Count} of {window.Size} updates; seed 001 reads full windows only.");
        var gram = window.Gram();
        var spectrum = WindowSpectrum.Of(gram, window.RankTolerance);
        // The null is the law of W isotropic updates of the stored length (the sketch's, when sketched).
        double? nullP = nullDraws > 0 && spectrum.KStar > 0 && window.StoredDimension >= window.Size
            ? MaxRatioNull.For(window.Size, window.StoredDimension, nullDraws, nullSeed).PValue(spectrum.GapRatio)
            : null;
        return new SpectralAnalysis(gram, spectrum, StabilityCoefficient.SplitHalf(gram), nullP);
    }
}
