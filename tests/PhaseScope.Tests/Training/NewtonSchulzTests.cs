using PhaseScope.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>Newton–Schulz orthogonalisation against the float64 SVD polar factor U Vᵀ.</summary>
public class NewtonSchulzTests
{
    static Tensor Random(long rows, long cols, ulong seed) => randn([rows, cols], ScalarType.Float64, generator: new Generator(seed));

    static Tensor Polar(Tensor g)
    {
        var (u, _, vh) = linalg.svd(g, fullMatrices: false);
        return u.matmul(vh);
    }

    /// <summary>The cubic iteration converges to U Vᵀ (wide and tall matrices alike).</summary>
    [Theory]
    [InlineData(16, 32)]
    [InlineData(32, 16)]
    public void CubicConvergesToThePolarFactor(long rows, long cols)
    {
        var g = Random(rows, cols, 3);
        var x = NewtonSchulz.Cubic(g, 60);
        Assert.Equal(new[] { rows, cols }, x.shape);
        Assert.True(x.sub(Polar(g)).abs().max().ToDouble() < 1e-9);
    }

    /// <summary>Muon's quintic keeps G's singular vectors exactly (its polar factor is G's) and brings every singular
    /// value of a well-conditioned G into [0.6, 1.25] in five steps (not to 1: it trades convergence for speed).</summary>
    [Fact]
    public void QuinticKeepsTheSingularVectorsAndNearlyOrthogonalises()
    {
        // G = U diag(σ) Vᵀ with σ from 1 to 0.2 (condition number 5).
        var (u, _, vh) = linalg.svd(Random(24, 24, 5), fullMatrices: false);
        var sigma = linspace(1.0, 0.2, 24, ScalarType.Float64);
        var g = u.matmul(diag(sigma)).matmul(vh);
        var x = NewtonSchulz.Quintic(g);
        Assert.True(Polar(x).sub(u.matmul(vh)).abs().max().ToDouble() < 1e-8);
        var s = linalg.svdvals(x).data<double>().ToArray();
        Assert.All(s, v => Assert.InRange(v, 0.6, 1.25));
    }

    [Fact]
    public void RefusesNonMatrices()
    {
        Assert.Throws<ArgumentException>(() => NewtonSchulz.Quintic(zeros([3], ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => NewtonSchulz.Cubic(zeros([3, 3], ScalarType.Float64), 0));
    }
}
