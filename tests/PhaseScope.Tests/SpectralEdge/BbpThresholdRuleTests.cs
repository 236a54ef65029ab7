using PhaseScope.SpectralEdge;

namespace PhaseScope.Tests.SpectralEdge;

/// <summary>
/// <see cref="BbpThreshold"/>'s closed forms (seed 001 §4.1): s = η√(k/B), noise level P·s², bulk edge s²(√P + √W)²,
/// detection threshold s²√(WP), with numbers chosen so that each is exact or a short decimal; a σ² equal to the bulk
/// edge is inside the bulk (strictly above counts).
/// </summary>
public class BbpThresholdRuleTests
{
    [Fact]
    public void StrideAndBatchSetTheNoiseScale()
    {
        // W = 4, P = 100, η = 0.2, B = 16, k = 4: s = 0.2·√(4/16) = 0.1, P s² = 1, s²(10 + 2)² = 1.44, s²·√400 = 0.2.
        var t = BbpThreshold.Isotropic(4, 100, 0.2, 16, 4);
        Assert.Equal(0.1, t.NoiseStd, 15);
        Assert.Equal(1.0, t.NoiseLevel, 14);
        Assert.Equal(1.44, t.BulkEdge, 14);
        Assert.Equal(0.2, t.SignalThreshold, 14);
    }

    [Fact]
    public void OnlySingularValuesStrictlyAboveTheBulkEdgeCount()
    {
        // W = 1, P = 9, η = 0.5, B = k = 1: s² = 0.25, edge 0.25·(3 + 1)² = 4, threshold 0.25·3 = 0.75, level 2.25.
        var t = BbpThreshold.Isotropic(1, 9, 0.5, 1, 1);
        Assert.Equal((0.5, 2.25, 4.0, 0.75), (t.NoiseStd, t.NoiseLevel, t.BulkEdge, t.SignalThreshold));
        Assert.Equal(1, t.AboveBulk([2.5, 2, 1]));   // 6.25 > 4; 4 is not
        Assert.Equal(0, t.AboveBulk([]));
        Assert.Equal(0.25, t.WeakestMargin([4, 1]));   // 1²/4
        Assert.Equal(1.5625, t.WeakestMargin([2.5]));  // 6.25/4
        Assert.True(double.IsNaN(t.WeakestMargin([])));
    }

    [Fact]
    public void ArgumentsOutsideTheirRangeAreRefused()
    {
        _ = BbpThreshold.Isotropic(1, 1, 1e-3, 1, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => BbpThreshold.Isotropic(0, 10, 0.1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BbpThreshold.Isotropic(2, 0, 0.1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BbpThreshold.Isotropic(2, 10, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BbpThreshold.Isotropic(2, 10, double.NaN, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BbpThreshold.Isotropic(2, 10, double.PositiveInfinity, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BbpThreshold.Isotropic(2, 10, 0.1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BbpThreshold.Isotropic(2, 10, 0.1, 1, 0));
    }
}
