using PhaseScope.Consolidation;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Consolidation;

/// <summary>
/// Issue 26: λ_max followed by warm starts. The operators are explicit symmetric matrices whose spectra torch's float64
/// eigvalsh gives independently of Lanczos.
/// </summary>
public class LambdaMaxTrackerTests
{
    const int P = 300;

    /// <summary>H(t) = Q diag(λ) Qᵀ + t·δ·E: a known top of 10, 9, 8.5 over a bulk in [−1, 5], drifting smoothly with t.</summary>
    static (Tensor H0, Tensor E, Tensor Q) Operator(int seed)
    {
        using var g = new Generator((ulong)seed);
        var q = linalg.qr(randn([P, P], ScalarType.Float64, generator: g)).Q;
        var lambda = rand([P], ScalarType.Float64, generator: g).mul(6.0).sub(1.0);
        lambda[0] = 10.0; lambda[1] = 9.0; lambda[2] = 8.5;
        var h0 = q.mul(lambda).matmul(q.t());
        var e = randn([P, P], ScalarType.Float64, generator: g);
        e = e.add(e.t()).div(Math.Sqrt(2 * P));   // spectral norm ≈ 2
        return (h0.DetachFromDisposeScope(), e.DetachFromDisposeScope(), q.DetachFromDisposeScope());
    }

    static double Exact(Tensor h) => linalg.eigvalsh(h).max().item<double>();

    [Fact]
    public void WarmStartsFollowADriftingTopWithinTwoPercentInThreeProducts()
    {
        var (h0, e, q) = Operator(5);
        using var tracker = new LambdaMaxTracker(warmIterations: 3, lostResidual: 0.02, checkEvery: 0);
        int warm = 0, calls = 60;
        for (int t = 0; t < calls; t++)
        {
            using var scope = NewDisposeScope();
            var h = h0.add(e.mul(0.02 * t));   // the top moves by ≈ 0.04 per call, its eigenvector turns with it
            var r = tracker.Track(v => h.mv(v), P, coldIterations: 20, tolerance: 1e-3, seed: t);
            double exact = Exact(h);
            Assert.True(Math.Abs(r.Result.LambdaMax / exact - 1) < 0.02, $"call {t}: tracked {r.Result.LambdaMax}, exact {exact} ({(r.Warm ? "warm" : "cold")})");
            if (r.Warm) { warm++; Assert.True(r.Products <= 3, $"call {t}: a warm call used {r.Products} products"); }
        }
        Assert.True(warm >= calls - 3, $"only {warm} of {calls} calls stayed warm");
        h0.Dispose(); e.Dispose(); q.Dispose();
    }

    [Fact]
    public void AColdCheckFindsATopThatJumpedAndMeasuresTheTrackingError()
    {
        // After call 4 a new eigenvalue 20 appears along q₁₀₀, orthogonal to the tracked top vector q₀: the warm Krylov space
        // from q₀ (still an eigenvector) cannot see it, so the periodic cold check must, and it reports the error.
        var (h0, e, q) = Operator(6);
        using var jumped = h0.add(q[TensorIndex.Colon, 100].outer(q[TensorIndex.Colon, 100]).mul(20.0));
        double exactJumped = Exact(jumped);
        using var tracker = new LambdaMaxTracker(warmIterations: 3, lostResidual: 0.02, checkEvery: 5);
        var results = new List<TrackedLambdaMax>();
        for (int t = 1; t <= 10; t++)
        {
            var h = t <= 4 ? h0 : jumped;
            results.Add(tracker.Track(v => h.mv(v), P, coldIterations: 30, tolerance: 1e-6, seed: t));
        }
        Assert.False(results[0].Warm);   // nothing kept yet: cold
        Assert.True(results[1].Warm && results[2].Warm && results[3].Warm);
        Assert.Equal(10.0, results[3].Result.LambdaMax, 1e-3);
        // Call 5 is a check: the warm value is measured against the cold one, and the cold one is reported.
        var check = results[4];
        Assert.False(check.Warm);
        Assert.Equal(exactJumped, check.Result.LambdaMax, 1e-3 * exactJumped);
        Assert.True(check.TrackingError > 0.3, $"tracking error {check.TrackingError}");
        Assert.Equal(Math.Abs(check.WarmLambdaMax - check.Result.LambdaMax) / check.Result.LambdaMax, check.TrackingError, 1e-12);
        // From the cold vector on, warm starts follow the new top.
        foreach (var r in results.Skip(5).Where(r => r.Warm)) Assert.Equal(exactJumped, r.Result.LambdaMax, 0.02 * exactJumped);
        Assert.True(results.Skip(5).Count(r => r.Warm) >= 4);
        h0.Dispose(); e.Dispose(); q.Dispose();
    }

    [Fact]
    public void ABadStartOrOptionIsAClearError()
    {
        using var h = eye(4, dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => Lanczos.Run(v => h.mv(v), 4, start: zeros(4, ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => Lanczos.Run(v => h.mv(v), 4, start: ones(5, ScalarType.Float64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LambdaMaxTracker(warmIterations: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LambdaMaxTracker(lostResidual: double.NaN));
    }
}
