using PhaseScope.Reporting.Evaluation;

namespace PhaseScope.Tests.Verdict;

/// <summary>Seed 001's LM tests on planted series whose answers are worked out by hand.</summary>
public class SpectralEdgeChecksTests
{
    static Func<string, IReadOnlyList<(long, double)>> Series(Dictionary<string, double[]> values, long[] steps) =>
        name => values.TryGetValue(name, out var v) ? steps.Zip(v).ToList() : [];

    [Fact]
    public void PlantedSeriesGiveTheHandWorkedAnswers()
    {
        long[] steps = [10, 20, 30, 40, 50, 60];
        var values = new Dictionary<string, double[]>
        {
            ["spectral/k_star"] = [1, 1, 2, 1, 2, 1],              // mode 1, 4 of 6
            ["spectral/k_star_weighted"] = [2, 2, 2, 1, 1, 2],
            ["spectral/bbp_margin"] = [5, 1, 3, 2, 4, 6],          // sorted 1..6: median 3.5
            ["spectral/gap_ratio"] = [1.5, 2, 2.5, 3, 3.5, 4],
            ["spectral/null_p"] = [0.01, 0.2, 0.03, 0.5, 0.04, 0.001],   // 4 of 6 below 0.05
            ["eval/test_loss"] = [6, 5, 4, 3, 2, 1],                // exactly linear in the ratio: r = −1 at lag 0
            // σ₁/σ₂ rises with step (tracks the loss perfectly), σ₂/σ₃ is constant (undefined r).
            ["spectral/sigma_1"] = [2, 3, 4, 5, 6, 7],
            ["spectral/sigma_2"] = [1, 1, 1, 1, 1, 1],
            ["spectral/sigma_3"] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
            // tiers: j = 1 is dominant where k* = 2 (steps 30, 50), at the gap where k* = 1; j = 2 is at the gap where k* = 2.
            ["spectral/stability_half_1"] = [0.4, 0.4, 0.9, 0.4, 0.9, 0.4],
            ["spectral/stability_half_2"] = [0.1, 0.1, 0.6, 0.1, 0.6, 0.1],
            // g_{t+1} − g_t = −0.5 g_t + 1: g = 4, 3, 2.5, 2.25, 2.125, 2.0625 → slope −0.5, r = −1.
            ["spectral/gap"] = [4, 3, 2.5, 2.25, 2.125, 2.0625],
        };
        var r = SpectralEdgeChecks.Compute(Series(values, steps));
        Assert.Equal(6, r.Windows);
        Assert.Equal((1.0, 3.5, 6.0), (r.BbpMin, r.BbpMedian, r.BbpMax));
        Assert.Equal(1, r.KStarMode);
        Assert.Equal(4.0 / 6, r.KStarModeShare, 12);
        Assert.Equal(2, r.KStarWeightedMode);
        Assert.Equal(2.75, r.RatioMedian, 12);
        Assert.Equal(4.0, r.RatioMax);
        Assert.Equal(4.0 / 6, r.NullRejectShare, 12);
        Assert.Equal(-1.0, r.ZeroLagR, 12);
        Assert.Equal(1, r.CrossCorrelationEdge);
        Assert.Equal(-1.0, Math.Round(r.CrossCorrelationR, 12));
        Assert.Equal(0.9, r.StabilityDominant, 12);                        // j = 1 at steps 30, 50
        Assert.Equal((4 * 0.4 + 2 * 0.6) / 6, r.StabilityAtGap, 12);      // j = 1 where k* = 1, j = 2 where k* = 2
        Assert.Equal(0.1, r.StabilitySubdominant, 12);                     // j = 2 where k* = 1
        Assert.Equal(-0.5, r.GapDampingSlope, 12);
        Assert.Equal(-1.0, r.GapDampingR, 12);
    }

    /// <summary>Test 3 on planted Ritz values: at step 10 two of them exceed τ = 10 (50, 20), at step 40 one (50); the
    /// windows at 10–30 pair with the first call (k* 1, 1, 2: all within), those at 40–60 with the second (k* 1, 2, 1:
    /// two within): 5 of 6, median count 1.5 over 2 calls.</summary>
    [Fact]
    public void KrylovBoundCountsRitzValuesAboveTheThreshold()
    {
        long[] windows = [10, 20, 30, 40, 50, 60];
        IReadOnlyList<(long, double)> Series(string name) => name switch
        {
            "spectral/k_star" => windows.Zip(new double[] { 1, 1, 2, 1, 2, 1 }).ToList(),
            "curvature/ritz_1" => [(10, 50.0), (40, 50.0)],
            "curvature/ritz_2" => [(10, 20.0), (40, 5.0)],
            "curvature/ritz_3" => [(10, 1.0), (40, 1.0)],
            _ => [],
        };
        var r = SpectralEdgeChecks.Compute(Series, krylovThreshold: 10);
        Assert.Equal(2, r.KrylovCalls);
        Assert.Equal(1.5, r.KrylovCountMedian, 12);
        Assert.Equal(5.0 / 6, r.KStarWithinKrylov, 12);
        Assert.True(double.IsNaN(SpectralEdgeChecks.Compute(Series).KStarWithinKrylov));   // no threshold: not computed
    }

    [Fact]
    public void MissingSeriesAreNaNNotErrors()
    {
        var r = SpectralEdgeChecks.Compute(_ => []);
        Assert.Equal(0, r.Windows);
        Assert.True(double.IsNaN(r.BbpMedian) && double.IsNaN(r.ZeroLagR) && double.IsNaN(r.StabilityAtGap) && double.IsNaN(r.GapDampingSlope));
    }
}
