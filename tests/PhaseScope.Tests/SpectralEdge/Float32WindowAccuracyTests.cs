using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Tests.SpectralEdge;

/// <summary>
/// Issue 24 item 9: the default float32 window must report every σ_j, the gap ratio and g₂₃ to 1e-5 relative at
/// P = 10⁶ with a bulk 250× below σ₁. The reference is computed here, independently of the window: the Gram of the
/// float64 rows by torch's float64 matmul, its eigenvalues by torch's eigvalsh (not the window's Jacobi).
/// Rounding the rows to float32 moves σ_j by about 2⁻²⁴·‖X‖_F/√(WP) (a random projection of the rounding errors),
/// far below the tolerance; what the test catches is float32 accumulation of the inner products (error ≈ 1e-7·λ₁
/// on every Gram entry, ≈ 6e-3 relative on a bulk eigenvalue 62,500× below λ₁).
/// </summary>
public class Float32WindowAccuracyTests
{
    const long P = 1_000_000;
    // k* = 3 (ratios 2.5, 2.5, 40, then ≈ 1.05): R = 40, g23 = 100² − 40² (scaled); the bulk is 250× below σ₁.
    static readonly double[] Planted = [250, 100, 40, 1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7];
    const double Scale = 1e-3;   // updates of a realistic size

    [Fact]
    public void PushedUpdatesGiveTheFloat64SpectrumTo1e5()
    {
        var rows = Rows();
        using var window = new TrajectoryWindow(rows.Length, P);   // default: float32 rows
        for (int i = 0; i < rows.Length; i++) Assert.True(window.Push(rows[i], i).Accepted);
        AssertMatchesReference(window, rows);
        foreach (var r in rows) r.Dispose();
    }

    [Fact]
    public void PushedDifferencesOfFloat32ParametersGiveTheFloat64SpectrumTo1e5()
    {
        // The training path: float32 parameters θ_i = θ_{i−1} + x_i, the window forms δ_i = θ_i − θ_{i−1} itself.
        var planted = Rows();
        using var g = new Generator(77);
        var theta = randn([P], ScalarType.Float32, generator: g).mul(0.05f).DetachFromDisposeScope();
        using var window = new TrajectoryWindow(planted.Length, P);
        using var previous = theta.clone();
        var exact = new Tensor[planted.Length];
        for (int i = 0; i < planted.Length; i++)
        {
            var next = theta.add(planted[i].to_type(ScalarType.Float32)).DetachFromDisposeScope();
            // The update the window must see, exactly: the float32 difference formed in float64.
            exact[i] = next.to_type(ScalarType.Float64).sub(theta.to_type(ScalarType.Float64)).DetachFromDisposeScope();
            Assert.True(window.PushDifference([next], previous, i).Accepted);
            theta.Dispose();
            theta = next;
        }
        AssertMatchesReference(window, exact);
        foreach (var r in planted.Concat(exact)) r.Dispose();
        theta.Dispose();
    }

    static Tensor[] Rows()
    {
        var rows = SpectralEdge.Planted.Rows(Planted, P, 24);
        return rows.Select(r => { var s = r.mul(Scale).DetachFromDisposeScope(); r.Dispose(); return s; }).ToArray();
    }

    static void AssertMatchesReference(TrajectoryWindow window, Tensor[] rows)
    {
        double[] reference;
        using (var x = stack(rows))
        using (var gram = x.matmul(x.t()))
            reference = linalg.eigvalsh(gram).flip(0).data<double>().Select(v => Math.Sqrt(Math.Max(0, v))).ToArray();
        var s = WindowSpectrum.Of(window.Gram(), window.RankTolerance);
        Assert.Equal(Planted.Length, s.Rank);
        for (int j = 0; j < reference.Length; j++)
            Assert.True(Math.Abs(s.Sigma[j] / reference[j] - 1) < 1e-5,
                $"σ_{j + 1} = {s.Sigma[j]:R}, float64 reference {reference[j]:R} (relative error {Math.Abs(s.Sigma[j] / reference[j] - 1):E2})");
        Assert.Equal(3, s.KStar);
        double ratio = reference[2] / reference[3];
        Assert.True(Math.Abs(s.GapRatio / ratio - 1) < 1e-5, $"gap ratio {s.GapRatio:R}, reference {ratio:R}");
        double g23 = reference[1] * reference[1] - reference[2] * reference[2];
        Assert.True(Math.Abs(s.G23 / g23 - 1) < 1e-5, $"g23 {s.G23:R}, reference {g23:R}");
        double r23 = reference[1] / reference[2];
        Assert.True(Math.Abs(s.Sigma[1] / s.Sigma[2] / r23 - 1) < 1e-5, $"σ₂/σ₃ {s.Sigma[1] / s.Sigma[2]:R}, reference {r23:R}");
    }
}
