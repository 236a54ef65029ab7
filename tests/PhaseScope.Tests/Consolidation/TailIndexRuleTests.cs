using PhaseScope.Consolidation;

namespace PhaseScope.Tests.Consolidation;

/// <summary>
/// The Hill estimator's rule (seed 003 §11.5) on sequences whose logarithms are exact multiples of ln 2 or whole
/// numbers: 1/α̂ = (1/k) Σ_{i≤k} ln(X₍ᵢ₎/X₍ₖ₊₁₎), its edge cases (exactly k + 1 values, k = 1), the clip to [1, 2] and
/// d_H = min(d, clipped α) of §6.2.
/// </summary>
public class TailIndexRuleTests
{
    [Fact]
    public void ExactlyKPlusOneValuesAreEnough()
    {
        // 8, 4, 2 over the threshold 1, k = 3: 1/α = (3 + 2 + 1)·ln 2/3 = 2 ln 2.
        var t = TailIndex.Hill([8, 4, 2, 1], 3, 4);
        Assert.True(t.Defined);
        Assert.Equal(1 / (2 * Math.Log(2)), t.Alpha, 14);
    }

    [Fact]
    public void OneOrderStatisticIsTheLogRatioOfTheTopTwo()
    {
        // k = 1: 1/α = ln(X₍₁₎/X₍₂₎) = ln 4 → α = 1/ln 4 ≈ 0.72, clipped to 1.
        var t = TailIndex.Hill([4, 1, 0.5], 1, 3);
        Assert.Equal(1 / Math.Log(4), t.Alpha, 14);
        Assert.Equal(1.0, t.AlphaClipped);
        Assert.Throws<ArgumentOutOfRangeException>(() => TailIndex.Hill([4, 1], 0, 2));
    }

    [Fact]
    public void ValuesBelowTheThresholdDoNotEnter()
    {
        // e², e, over e⁰ = 1 with k = 2: 1/α = (2 + 1)/2 → α = 2/3; the values after X₍ₖ₊₁₎ (0.1, 0.01) change nothing.
        double e = Math.E;
        var t = TailIndex.Hill([e * e, e, 1, 0.1, 0.01], 2, 5);
        Assert.Equal(2.0 / 3, t.Alpha, 14);
    }

    [Theory]
    // Top k = 2 values a·x, x over the threshold x with ln(a) chosen: 1/α = ln a → α = 1/ln a.
    [InlineData(1.2, 1 / 0.1823215567939546, 2.0)]   // α ≈ 5.48 → clipped 2
    [InlineData(2.0, 1 / 0.6931471805599453, 1.4426950408889634)]   // α = 1/ln 2 ≈ 1.44 stays
    public void ClippedToTheAlphaStableRange(double ratio, double alpha, double clipped)
    {
        var t = TailIndex.Hill([ratio, ratio, 1], 2, 1000);
        Assert.Equal(alpha, t.Alpha, 12);
        Assert.Equal(clipped, t.AlphaClipped, 12);
        Assert.Equal(clipped, t.EffectiveDimension, 12);
    }

    [Fact]
    public void EffectiveDimensionIsTheSmallerOfDAndTheClippedAlpha()
    {
        // α = 1/ln(1.2) ≈ 5.48 → clipped 2; with d = 1 coordinate d_H = min(1, 2) = 1.
        var t = TailIndex.Hill([1.2, 1.2, 1], 2, 1);
        Assert.Equal(2.0, t.AlphaClipped);
        Assert.Equal(1.0, t.EffectiveDimension);
        var undefined = TailIndex.Hill([1.2, 1.2, 0], 2, 1);
        Assert.True(double.IsNaN(undefined.AlphaClipped));
        Assert.True(double.IsNaN(undefined.EffectiveDimension));
    }
}
