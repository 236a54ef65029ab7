using PhaseScope.Consolidation;
using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Consolidation;

/// <summary>The participation ratio (Σλ)²/Σλ² against closed forms, and the gradient samples' covariance spectrum
/// against hand-built samples whose covariance is known.</summary>
public class ParticipationRatioTests
{
    [Fact]
    public void AnIsotropicSpectrumGivesItsDimension() => Assert.Equal(5.0, ParticipationRatio.Of([3, 3, 3, 3, 3]), 12);

    [Fact]
    public void OneNonzeroEigenvalueGivesOne() => Assert.Equal(1.0, ParticipationRatio.Of([7, 0, 0, 0]), 12);

    [Fact]
    public void AHandExample()
    {
        // (4 + 1 + 1)² / (16 + 1 + 1) = 36 / 18 = 2; (2 + 1)² / (4 + 1) = 9/5.
        Assert.Equal(2.0, ParticipationRatio.Of([4, 1, 1]), 12);
        Assert.Equal(1.8, ParticipationRatio.Of([2, 1]), 12);
    }

    [Fact]
    public void HugeEigenvaluesDoNotOverflow() => Assert.Equal(2.0, ParticipationRatio.Of([1e200, 1e200]), 12);

    [Fact]
    public void RoundingBelowZeroCountsAsZeroAndAnEmptySpectrumHasNone()
    {
        Assert.Equal(1.0, ParticipationRatio.Of([5, -1e-17]), 12);
        Assert.True(double.IsNaN(ParticipationRatio.Of([0, 0])));
        Assert.True(double.IsNaN(ParticipationRatio.Of([])));
        Assert.True(double.IsNaN(ParticipationRatio.Of([1, double.NaN])));
    }

    static double[] Eigenvalues(double[][] samples, bool cumulative)
    {
        using var scope = NewDisposeScope();
        int n = samples.Length;
        using var gram = new GradientSampleGram(n, cumulative);
        var running = new double[samples[0].Length];
        foreach (var s in samples)
        {
            double[] row = s;
            if (cumulative)
            {
                for (int i = 0; i < s.Length; i++) running[i] += s[i] / n;
                row = (double[])running.Clone();
            }
            // two "parameters": the first value and the rest, so the rows are concatenations
            gram.Observe([tensor(row[..1], ScalarType.Float64), tensor(row[1..], ScalarType.Float64)]);
        }
        return gram.Eigenvalues();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TwoAxesOfVarianceGiveTheHandComputedSpectrum(bool cumulative)
    {
        // samples m ± (2, 0, 0) and m ± (0, 1, 0), m = (1, 1, 1): Σ̂ = diag(8, 2, 0)/3, so λ = 8/3, 2/3 (and two zeros),
        // Tr Σ̂ = 10/3 and PR = (10/3)² / (68/9) = 100/68.
        double[][] samples = [[3, 1, 1], [-1, 1, 1], [1, 2, 1], [1, 0, 1]];
        var values = Eigenvalues(samples, cumulative);
        Assert.Equal(8.0 / 3, values[0], 9);
        Assert.Equal(2.0 / 3, values[1], 9);
        Assert.Equal(0.0, values[2], 9);
        Assert.Equal(0.0, values[3], 9);
        Assert.Equal(100.0 / 68, ParticipationRatio.Of(values), 9);
    }

    [Fact]
    public void SimplexSamplesSpanNMinusOneEqualDirections()
    {
        // the n unit vectors e_j: Σ̂ = (I − 11ᵀ/n)/(n − 1) has n − 1 eigenvalues 1/(n − 1): PR = n − 1, Tr Σ̂ = 1
        int n = 6;
        var samples = Enumerable.Range(0, n).Select(j => Enumerable.Range(0, n + 2).Select(i => i == j ? 1.0 : 0.0).ToArray()).ToArray();
        var values = Eigenvalues(samples, cumulative: true);
        Assert.Equal(n - 1.0, ParticipationRatio.Of(values), 9);
        Assert.Equal(1.0, values.Sum(), 9);
    }

    [Fact]
    public void RefusesTooFewSamplesAndMismatchedRows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientSampleGram(1, false));
        using var scope = NewDisposeScope();
        using var gram = new GradientSampleGram(2, false);
        gram.Observe([ones(3)]);
        Assert.Throws<ArgumentException>(() => gram.Observe([ones(4)]));
        Assert.Throws<InvalidOperationException>(() => gram.Eigenvalues());
    }
}
