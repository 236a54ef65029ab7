using PhaseScope.Consolidation;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Consolidation;

/// <summary>
/// <see cref="LambdaMaxTracker"/>'s bookkeeping on 2×2 and 3×3 operators whose eigen-pairs are known by hand:
/// H₁ = diag(1, 2) (top 2 along e₂) and H₂ = [[1, 1], [1, 1]] (eigenvalues 0 and 2, top along (1, 1)/√2). From an exact
/// eigenvector one Lanczos product is exact (Hv = λv leaves no residual); from e₂ on H₂ it gives the Rayleigh quotient
/// e₂ᵀH₂e₂ = 1 with residual ‖H₂e₂ − e₂‖/1 = ‖(1, 0)‖ = 1, far above the 2 % at which the vector counts as lost.
/// </summary>
public class LambdaMaxTrackerRuleTests
{
    static Func<Tensor, Tensor> Apply(Tensor h) => v => h.mv(v);

    [Fact]
    public void AnAcceptedWarmStartKeepsItsOwnRitzVectorForTheNextCall()
    {
        // A = diag(3, 1, 0.5): the cold call keeps e₁. B = R A Rᵀ with R the rotation by θ = 0.5 in the (e₁, e₂) plane:
        // its top eigenvector is v′ = (cos θ, sin θ, 0) with eigenvalue 3. From e₁ the Krylov space {e₁, Be₁} is that
        // plane, which B maps into itself, so two products give v′ exactly (residual 0: accepted). The tracker must then
        // hold v′ (|⟨kept, v′⟩| = 1), not the e₁ it started from (|⟨e₁, v′⟩| = cos 0.5 ≈ 0.878).
        const double theta = 0.5;
        double c = Math.Cos(theta), s = Math.Sin(theta);
        using var a = diag(tensor(new double[] { 3, 1, 0.5 }));
        using var r = tensor(new double[,] { { c, -s, 0 }, { s, c, 0 }, { 0, 0, 1 } });
        using var b = r.mm(a).mm(r.t());
        using var tracker = new LambdaMaxTracker(warmIterations: 2, lostResidual: 0.02, checkEvery: 0);
        tracker.Track(Apply(a), 3, coldIterations: 10, tolerance: 1e-12, seed: 1);
        var turned = tracker.Track(Apply(b), 3, coldIterations: 10, tolerance: 1e-12, seed: 2);
        Assert.True(turned.Warm);
        Assert.Equal(3.0, turned.Result.LambdaMax, 10);
        var kept = tracker.Vector!.data<double>().ToArray();
        double norm = Math.Sqrt(kept.Sum(x => x * x));
        Assert.Equal(1.0, Math.Abs(kept[0] * c + kept[1] * s) / norm, 9);
    }

    [Fact]
    public void AWarmStartFromTheTopVectorCostsOneProductAndALostOneFallsBackCold()
    {
        using var h1 = diag(tensor(new double[] { 1, 2 }));
        using var h2 = ones(2, 2, ScalarType.Float64);
        using var tracker = new LambdaMaxTracker(warmIterations: 1, lostResidual: 0.02, checkEvery: 0);
        Assert.False(tracker.HasVector);

        var first = tracker.Track(Apply(h1), 2, coldIterations: 10, tolerance: 1e-12, seed: 1);
        Assert.False(first.Warm);
        Assert.Equal(2.0, first.Result.LambdaMax, 12);
        Assert.Equal(first.Result.Iterations, first.Products);   // no warm start ran
        Assert.True(double.IsNaN(first.WarmLambdaMax) && double.IsNaN(first.TrackingError));
        Assert.True(tracker.HasVector);

        var warm = tracker.Track(Apply(h1), 2, coldIterations: 10, tolerance: 1e-12, seed: 2);
        Assert.True(warm.Warm);
        Assert.Equal(1, warm.Products);
        Assert.Equal(2.0, warm.Result.LambdaMax, 12);
        Assert.Equal(2.0, warm.WarmLambdaMax, 12);
        Assert.True(double.IsNaN(warm.TrackingError));

        // The operator turned: the warm value 1 is rejected (residual 1 > 0.02), the cold start finds 2; no check was due,
        // so no tracking error is reported.
        var lost = tracker.Track(Apply(h2), 2, coldIterations: 10, tolerance: 1e-12, seed: 3);
        Assert.False(lost.Warm);
        Assert.Equal(1.0, lost.WarmLambdaMax, 12);
        Assert.Equal(2.0, lost.Result.LambdaMax, 12);
        Assert.Equal(1 + lost.Result.Iterations, lost.Products);
        Assert.True(double.IsNaN(lost.TrackingError));
    }

    [Fact]
    public void EveryCheckEveryThCallAlsoRunsColdAndMeasuresTheWarmValueAgainstIt()
    {
        using var h = diag(tensor(new double[] { 1, 2 }));
        using var tracker = new LambdaMaxTracker(warmIterations: 1, lostResidual: 0.02, checkEvery: 3);
        var r = Enumerable.Range(1, 6).Select(t => tracker.Track(Apply(h), 2, coldIterations: 10, tolerance: 1e-12, seed: t)).ToArray();
        Assert.Equal(new[] { false, true, false, true, true, false }, r.Select(x => x.Warm));
        foreach (var check in new[] { r[2], r[5] })
        {
            // One warm product, then the cold run; both find 2, so the measured error is 0 (to rounding), not NaN.
            Assert.Equal(1 + check.Result.Iterations, check.Products);
            Assert.Equal(2.0, check.WarmLambdaMax, 12);
            Assert.Equal(2.0, check.Result.LambdaMax, 12);
            Assert.InRange(check.TrackingError, 0, 1e-12);
        }
        Assert.All(new[] { r[1], r[3], r[4] }, x => Assert.Equal(1, x.Products));
    }

    [Fact]
    public void ANewDimensionOrForgetStartsCold()
    {
        using var h2 = diag(tensor(new double[] { 1, 2 }));
        using var h3 = diag(tensor(new double[] { 1, 2, 3 }));
        using var tracker = new LambdaMaxTracker(warmIterations: 1, lostResidual: 0.02, checkEvery: 0);
        tracker.Track(Apply(h2), 2, 10, 1e-12, 1);
        // The kept vector has length 2; for a 3-dimensional operator it is dropped, not used as a (wrong-length) start.
        var grown = tracker.Track(Apply(h3), 3, 10, 1e-12, 2);
        Assert.False(grown.Warm);
        Assert.True(double.IsNaN(grown.WarmLambdaMax));
        Assert.Equal(3.0, grown.Result.LambdaMax, 12);
        Assert.True(tracker.Track(Apply(h3), 3, 10, 1e-12, 3).Warm);
        tracker.Forget();
        Assert.False(tracker.HasVector);
        var afterForget = tracker.Track(Apply(h3), 3, 10, 1e-12, 4);
        Assert.False(afterForget.Warm);
        Assert.True(double.IsNaN(afterForget.WarmLambdaMax));
    }

    [Fact]
    public void OptionsAtTheirLimits()
    {
        using var smallest = new LambdaMaxTracker(warmIterations: 1, checkEvery: 0);
        Assert.Equal((1, 0), (smallest.WarmIterations, smallest.CheckEvery));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LambdaMaxTracker(lostResidual: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LambdaMaxTracker(lostResidual: double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LambdaMaxTracker(checkEvery: -1));
    }
    /// <summary>A tracker restored from another's kept vector and call count (3 calls made; cold checks every 4th) makes the
    /// same next calls: the 4th is the cold check in both (its tracking error measured against the same warm value), the 5th
    /// starts warm in both, with the same λ_max to the bit. A fresh tracker's first call is cold instead, with no error.</summary>
    [Fact]
    public void ARestoredTrackerStartsWarmAndChecksOnTheSameCallsAsTheOriginal()
    {
        using var a = diag(tensor(new double[] { 3, 1, 0.5 }));
        const double theta = 0.3;
        using var r = tensor(new double[,] { { Math.Cos(theta), -Math.Sin(theta), 0 }, { Math.Sin(theta), Math.Cos(theta), 0 }, { 0, 0, 1 } });
        using var b = r.mm(a).mm(r.t());
        using var original = new LambdaMaxTracker(warmIterations: 2, lostResidual: 0.5, checkEvery: 4);
        for (int i = 0; i < 3; i++) original.Track(Apply(a), 3, coldIterations: 10, tolerance: 1e-12, seed: i);
        using var restored = new LambdaMaxTracker(warmIterations: 2, lostResidual: 0.5, checkEvery: 4);
        using (var kept = original.CopyOfVector()) restored.Restore(kept, original.Calls);
        Assert.Equal(3, restored.Calls);
        var checkA = original.Track(Apply(b), 3, 10, 1e-12, seed: 7);
        var checkB = restored.Track(Apply(b), 3, 10, 1e-12, seed: 7);
        Assert.False(checkB.Warm);
        Assert.Equal(BitConverter.DoubleToInt64Bits(checkA.TrackingError), BitConverter.DoubleToInt64Bits(checkB.TrackingError));
        Assert.False(double.IsNaN(checkB.TrackingError));
        var nextA = original.Track(Apply(b), 3, 10, 1e-12, seed: 8);
        var nextB = restored.Track(Apply(b), 3, 10, 1e-12, seed: 8);
        Assert.True(nextB.Warm);
        Assert.Equal(BitConverter.DoubleToInt64Bits(nextA.Result.LambdaMax), BitConverter.DoubleToInt64Bits(nextB.Result.LambdaMax));
        using var fresh = new LambdaMaxTracker(warmIterations: 2, lostResidual: 0.5, checkEvery: 4);
        var cold = fresh.Track(Apply(b), 3, 10, 1e-12, seed: 7);
        Assert.False(cold.Warm);
        Assert.True(double.IsNaN(cold.TrackingError));
        Assert.Throws<ArgumentException>(() => fresh.Restore(null, -1));
        fresh.Restore(null, 5);
        Assert.False(fresh.HasVector);
    }
}
