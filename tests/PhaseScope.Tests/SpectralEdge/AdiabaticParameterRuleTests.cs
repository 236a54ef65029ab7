using PhaseScope.SpectralEdge;

namespace PhaseScope.Tests.SpectralEdge;

/// <summary>
/// <see cref="AdiabaticParameter"/> (seed 001, Def. 34.2): 𝒜 = ‖ΔΣ‖/(η‖g‖²), NaN when a factor is missing, and the
/// regime boundaries: below low a plateau, from low to high inclusive a transition, above high forgetting.
/// </summary>
public class AdiabaticParameterRuleTests
{
    [Fact]
    public void EveryMissingFactorGivesNaN()
    {
        Assert.Equal(0.0, AdiabaticParameter.Of(0, 0.5, 2));   // no change: 𝒜 = 0, a plateau
        Assert.Equal(3.0, AdiabaticParameter.Of(3, 0.5, 2));   // 3/(0.5·2)
        Assert.True(double.IsNaN(AdiabaticParameter.Of(double.PositiveInfinity, 0.5, 2)));
        Assert.True(double.IsNaN(AdiabaticParameter.Of(3, 0, 2)));
        Assert.True(double.IsNaN(AdiabaticParameter.Of(3, -0.5, 2)));
        Assert.True(double.IsNaN(AdiabaticParameter.Of(3, 0.5, -2)));
        Assert.True(double.IsNaN(AdiabaticParameter.Of(3, 0.5, double.PositiveInfinity)));
    }

    [Theory]
    [InlineData(0.0, AdiabaticRegime.Plateau)]
    [InlineData(0.25, AdiabaticRegime.Transition)]   // exactly low
    [InlineData(1.0, AdiabaticRegime.Transition)]
    [InlineData(4.0, AdiabaticRegime.Transition)]    // exactly high
    [InlineData(4.5, AdiabaticRegime.Forgetting)]
    [InlineData(double.PositiveInfinity, AdiabaticRegime.Forgetting)]
    [InlineData(double.NaN, AdiabaticRegime.Undefined)]
    public void BoundariesBelongToTheTransition(double a, AdiabaticRegime regime) =>
        Assert.Equal(regime, AdiabaticParameter.Regime(a, 0.25, 4));

    [Fact]
    public void BoundariesMustBeOrderedAndPositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AdiabaticParameter.Regime(1, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => AdiabaticParameter.Regime(1, 4, 4));
    }
}
