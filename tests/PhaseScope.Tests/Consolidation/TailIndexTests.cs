using PhaseScope.Consolidation;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Consolidation;

public class TailIndexTests
{
    [Theory]
    [InlineData(1.5)]
    [InlineData(3.0)]
    public void HillRecoversTheParetoExponent(double alpha)
    {
        // X = U^(−1/α) is Pareto with P(X > x) = x^−α; the Hill estimate with k order statistics has sd ≈ α/√k.
        using var scope = NewDisposeScope();
        using var g = new Generator(21);
        var x = rand([1_000_000], ScalarType.Float64, generator: g).pow(-1.0 / alpha);
        int k = 2000;
        var t = TailPartial.Of(x, k).Finish();
        Assert.InRange(t.Alpha, alpha - 4 * alpha / Math.Sqrt(k), alpha + 4 * alpha / Math.Sqrt(k));
        Assert.Equal(Math.Clamp(alpha, 1, 2), Math.Clamp(t.Alpha, 1, 2), 0.2);
    }

    [Fact]
    public void MergedShardsEqualTheWholeVector()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(2);
        var x = randn([5000], ScalarType.Float64, generator: g);
        var whole = TailPartial.Of(x, 100).Finish();
        var merged = TailPartial.Of(x.narrow(0, 0, 1234), 100).Merge(TailPartial.Of(x.narrow(0, 1234, 3766), 100)).Finish();
        Assert.Equal(whole.Alpha, merged.Alpha, 12);
        Assert.Equal(5000, merged.Dimension);
    }

    [Fact]
    public void HillIsTheClosedFormOnAKnownSequence()
    {
        // Top values 8, 4, 2 and threshold 1 with k = 3: 1/α = (ln 8 + ln 4 + ln 2)/3 = 2 ln 2.
        var t = TailIndex.Hill([8, 4, 2, 1, 0.5], 3, 5);
        Assert.Equal(1 / (2 * Math.Log(2)), t.Alpha, 12);
        Assert.Equal(1.0, t.AlphaClipped);
        Assert.Equal(1.0, t.EffectiveDimension);
    }

    [Fact]
    public void UndefinedWhenTheThresholdIsZeroOrTooFewValues()
    {
        Assert.False(TailIndex.Hill([3, 2, 0, 0], 2, 4).Defined);
        Assert.False(TailIndex.Hill([3, 2], 2, 2).Defined);
        Assert.True(double.IsPositiveInfinity(TailIndex.Hill([1, 1, 1], 2, 3).Alpha));
        using var z = zeros(50);
        Assert.True(double.IsNaN(TailPartial.Of(z, 10).Finish().EffectiveDimension));
    }
}
