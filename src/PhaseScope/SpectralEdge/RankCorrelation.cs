namespace PhaseScope.SpectralEdge;

/// <summary>Spearman's ρ: Pearson's r (<see cref="LaggedCorrelation.Pearson"/>) of the mid-ranks (ties share the mean of
/// their ranks). NaN for fewer than 3 pairs, a non-finite value, or a constant series.</summary>
public static class RankCorrelation
{
    /// <summary>ρ of <paramref name="x"/> and <paramref name="y"/> (equal lengths).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"Spearman's ρ needs pairs: {x.Count} and {y.Count} values.", nameof(y));
        if (x.Count < 3 || x.Any(v => !double.IsFinite(v)) || y.Any(v => !double.IsFinite(v))) return double.NaN;
        return LaggedCorrelation.Pearson(Moments.RankSamplePartial.NormalisedMidRanks([.. x]), Moments.RankSamplePartial.NormalisedMidRanks([.. y]));
    }
}
