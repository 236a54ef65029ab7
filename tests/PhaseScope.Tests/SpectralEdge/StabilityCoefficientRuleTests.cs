using PhaseScope.SpectralEdge;

namespace PhaseScope.Tests.SpectralEdge;

/// <summary>
/// <see cref="StabilityCoefficient"/> on spectra and windows built by hand (seed 001 §16): the Davis–Kahan γ_j =
/// clamp(1 − c‖E‖/δ_j, 0, 1) with δ_j the nearest neighbour's distance (one neighbour at either end, none for a single
/// direction, δ = 0 for a repeated eigenvalue), and the split-half γ̂ for an odd window and for directions at or below
/// the singular-value tolerance.
/// </summary>
public class StabilityCoefficientRuleTests
{
    [Fact]
    public void TheNearestGapIsTakenOnEitherSide()
    {
        // λ = 10, 7, 6.5, 0: δ = 3, min(3, 0.5), min(0.5, 6.5), 6.5; ‖E‖ = 0.25 → 1 − 0.25/δ.
        var gamma = StabilityCoefficient.DavisKahan([10, 7, 6.5, 0], 0.25);
        Assert.Equal(new[] { 1 - 0.25 / 3, 0.5, 0.5, 1 - 0.25 / 6.5 }, gamma);
        // c = 2 (Yu–Wang–Samworth) doubles the loss: 1 − 0.5/3, 0, 0, 1 − 0.5/6.5.
        Assert.Equal(new[] { 1 - 0.5 / 3, 0.0, 0.0, 1 - 0.5 / 6.5 }, StabilityCoefficient.DavisKahan([10, 7, 6.5, 0], 0.25, 2));
    }

    [Fact]
    public void ASingleDirectionHasNoNeighbourAndARepeatedEigenvalueNoGap()
    {
        Assert.Equal(new[] { 1.0 }, StabilityCoefficient.DavisKahan([5], 0.5));
        // λ = 3, 3, 1: δ = 0, 0, 2. A zero gap is stable only without perturbation.
        Assert.Equal(new[] { 0.0, 0.0, 0.75 }, StabilityCoefficient.DavisKahan([3, 3, 1], 0.5));
        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, StabilityCoefficient.DavisKahan([3, 3, 1], 0));
        Assert.Empty(StabilityCoefficient.DavisKahan([], 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => StabilityCoefficient.DavisKahan([3, 1], 0.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StabilityCoefficient.DavisKahan([3, 1], 0.5, double.NaN));
    }

    static double[,] Gram(double[,] rows)
    {
        int w = rows.GetLength(0), p = rows.GetLength(1);
        var g = new double[w, w];
        for (int i = 0; i < w; i++)
            for (int j = 0; j < w; j++)
                for (int k = 0; k < p; k++) g[i, j] += rows[i, k] * rows[j, k];
        return g;
    }

    [Fact]
    public void AnUnknownPerturbationLeavesEveryDirectionUndefinedEvenWithoutAGap()
    {
        // ‖E‖ = NaN (the perturbation could not be measured): γ is NaN for every j, including a repeated eigenvalue
        // (δ = 0), where a known ‖E‖ would give 1 (‖E‖ = 0) or 0 (‖E‖ > 0).
        Assert.All(StabilityCoefficient.DavisKahan([2.0, 2.0, 1.0], double.NaN), g => Assert.True(double.IsNaN(g)));
        Assert.Equal([1.0, 1.0, 1.0], StabilityCoefficient.DavisKahan([2.0, 2.0, 1.0], 0.0));
        Assert.Equal(0.0, StabilityCoefficient.DavisKahan([2.0, 2.0, 1.0], 0.5)[0]);
    }

    [Fact]
    public void AnOddWindowSplitsIntoTheFloorHalfAndTheRest()
    {
        // W = 5: first half (2 rows) 10·e1, 1·e2; second half (3 rows) 10·(cos θ e1 + sin θ e3), 1·e4, 0.1·e5.
        // min(2, 3) = 2 directions: cos θ for the top pair, 0 for e2 against e4.
        double theta = 0.4;
        var rows = new double[5, 6];
        rows[0, 0] = 10; rows[1, 1] = 1;
        rows[2, 0] = 10 * Math.Cos(theta); rows[2, 2] = 10 * Math.Sin(theta); rows[3, 3] = 1; rows[4, 4] = 0.1;
        var gamma = StabilityCoefficient.SplitHalf(Gram(rows));
        Assert.Equal(2, gamma.Length);
        Assert.Equal(Math.Cos(theta), gamma[0], 12);
        Assert.Equal(0.0, gamma[1], 12);
    }

    [Fact]
    public void ADirectionAtTheToleranceIsUndefinedAndJustAboveItIsMeasured()
    {
        // First half 10·e1, 1e−6·e2 (σ₂/σ₁ = 1e−7); second half 10·e1, 1·e2. Both pairs are the same directions (γ̂ = 1),
        // but with the default tolerance 1e−6 the first half's σ₂ = 1e−6 ≤ 1e−6·10 counts as zero.
        var rows = new double[4, 3];
        rows[0, 0] = 10; rows[1, 1] = 1e-6; rows[2, 0] = 10; rows[3, 1] = 1;
        var gram = Gram(rows);
        var byDefault = StabilityCoefficient.SplitHalf(gram);
        Assert.Equal(1.0, byDefault[0], 12);
        Assert.True(double.IsNaN(byDefault[1]));
        var fine = StabilityCoefficient.SplitHalf(gram, relativeTolerance: 1e-9);
        Assert.Equal(1.0, fine[1], 12);
        // A zero row in the second half: its direction is undefined whatever the tolerance.
        var zero = new double[4, 3];
        zero[0, 0] = 10; zero[1, 1] = 1; zero[2, 0] = 10;
        Assert.True(double.IsNaN(StabilityCoefficient.SplitHalf(Gram(zero), relativeTolerance: 0)[1]));
        Assert.Throws<ArgumentException>(() => StabilityCoefficient.SplitHalf(new double[1, 1]));
    }
}
