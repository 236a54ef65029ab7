using PhaseScope.Consolidation;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Consolidation;

/// <summary>Lanczos, power iteration and Hutchinson on losses with known Hessians.</summary>
public class CurvatureTests
{
    /// <summary>A = Q diag(λ) Qᵀ with a random orthogonal Q (float64).</summary>
    static Tensor Symmetric(double[] eigenvalues, long seed)
    {
        using var g = new Generator((ulong)seed);
        int d = eigenvalues.Length;
        var (q, _) = linalg.qr(randn([d, d], ScalarType.Float64, generator: g));
        return q.matmul(diag(tensor(eigenvalues, ScalarType.Float64))).matmul(q.t());
    }

    /// <summary>Hessian-vector products of L(x) = ½ xᵀ A x at a random x (H = A everywhere).</summary>
    static HessianVectorProduct QuadraticHvp(Tensor a, out Tensor x)
    {
        x = randn([a.shape[0]], ScalarType.Float64).requires_grad_(true);
        using var _ = enable_grad();
        var loss = x.dot(a.matmul(x)) * 0.5;
        return new HessianVectorProduct(loss, [x]);
    }

    [Fact]
    public void HessianVectorProductIsExactOnAQuadraticAndACubic()
    {
        using var scope = NewDisposeScope();
        var a = Symmetric([1, 2, 3, 4, 5], 1);
        using var hvp = QuadraticHvp(a, out _);
        var v = randn([5], ScalarType.Float64);
        Assert.True(hvp.Apply(v).allclose(a.matmul(v), rtol: 1e-12, atol: 1e-12));

        // Two parameter tensors: L = Σ x³/6 + (Σ y)·(Σ x). H = [[diag(x), 1·1ᵀ], [1·1ᵀ, 0]].
        var x = tensor(new double[] { 1, -2, 3 }, ScalarType.Float64).requires_grad_(true);
        var y = tensor(new double[] { 0.5, 0.25 }, ScalarType.Float64).requires_grad_(true);
        Tensor loss;
        using (enable_grad()) loss = x.pow(3).sum() / 6 + y.sum() * x.sum();
        using var h2 = new HessianVectorProduct(loss, [x, y]);
        var u = tensor(new double[] { 1, 2, 3, 4, 5 }, ScalarType.Float64);
        // Hx-part: x∘u_x + (u_y1 + u_y2) = [1+9, −4+9, 9+9]; Hy-part: Σ u_x = 6 for each y.
        Assert.Equal(new double[] { 10, 5, 18, 6, 6 }, h2.Apply(u).data<double>().ToArray());
    }

    [Fact]
    public void HessianOfALossLinearInTheParametersIsZero()
    {
        // L = wᵀc + 3·b: ∇L = (c, 3) has no graph, so H = 0; autograd.grad on it would be a native error.
        using var scope = NewDisposeScope();
        var w = tensor(new double[] { 1, 2 }, ScalarType.Float64).requires_grad_(true);
        var b = tensor(new double[] { 0.5 }, ScalarType.Float64).requires_grad_(true);
        Tensor loss;
        using (enable_grad()) loss = w.dot(tensor(new double[] { 4, -1 }, ScalarType.Float64)) + b.sum() * 3;
        using var hvp = new HessianVectorProduct(loss, [w, b]);
        Assert.Equal(new double[] { 0, 0, 0 }, hvp.Apply(tensor(new double[] { 1, 2, 3 }, ScalarType.Float64)).data<double>().ToArray());
        var r = Lanczos.Run(hvp.Apply, hvp.Dimension, maxIterations: 3, tolerance: 1e-8, seed: 1);
        Assert.Equal(0, r.LambdaMax);
    }

    [Fact]
    public void LanczosFindsTheTopOfAKnownSpectrum()
    {
        using var scope = NewDisposeScope();
        var eig = Enumerable.Range(0, 200).Select(i => -1.0 + 9.0 * i / 199).ToArray(); // −1 … 8, crowded
        eig[^1] = 10;
        var a = Symmetric(eig, 2);
        using var hvp = QuadraticHvp(a, out _);
        var r = Lanczos.Run(hvp.Apply, hvp.Dimension, maxIterations: 100, tolerance: 1e-8, seed: 4);
        Assert.True(r.Converged, $"not converged after {r.Iterations} (residual {r.RelativeResidual})");
        Assert.Equal(10, r.LambdaMax, 6);
        Assert.True(r.Iterations < 100);
        // Cauchy interlacing: every Ritz value lies inside the spectrum [−1, 10].
        Assert.All(r.RitzValues, v => Assert.InRange(v, -1 - 1e-9, 10 + 1e-9));
    }

    [Fact]
    public void PowerIterationFindsTheLargestMagnitudeWhichLanczosDoesNot()
    {
        using var scope = NewDisposeScope();
        var a = Symmetric([-20, 1, 2, 3, 10], 3);
        using var hvp = QuadraticHvp(a, out _);
        var power = PowerIteration.Run(hvp.Apply, hvp.Dimension, maxIterations: 500, tolerance: 1e-10, seed: 1);
        Assert.True(power.Converged);
        Assert.Equal(-20, power.Eigenvalue, 4);
        Assert.Equal(10, Lanczos.Run(hvp.Apply, hvp.Dimension, 5, 1e-10, 1).LambdaMax, 8);
        var pd = Symmetric([1, 2, 3, 9, 10], 3);
        using var hvp2 = QuadraticHvp(pd, out _);
        Assert.Equal(10, PowerIteration.Run(hvp2.Apply, 5, 2000, 1e-12, 1).Eigenvalue, 3);
    }

    [Fact]
    public void HutchinsonIsExactOnDiagonalAndWithinItsErrorOtherwise()
    {
        using var scope = NewDisposeScope();
        var diagonal = diag(tensor(new double[] { 1, 2, 3, 4 }, ScalarType.Float64));
        using var h1 = QuadraticHvp(diagonal, out _);
        Assert.Equal(10, HutchinsonTrace.Run(h1.Apply, 4, 3, 1).Trace, 10);

        var eig = Enumerable.Range(1, 50).Select(i => (double)i).ToArray();
        var a = Symmetric(eig, 5);
        using var h2 = QuadraticHvp(a, out _);
        var r = HutchinsonTrace.Run(h2.Apply, 50, 400, 7);
        Assert.InRange(r.Trace, eig.Sum() - 4 * r.StandardError, eig.Sum() + 4 * r.StandardError);
        // Var[vᵀAv] = 2 Σ_{i≠j} A_ij²: the reported standard error is of that size.
        double offDiagonal = a.square().sum().item<double>() - a.diagonal().square().sum().item<double>();
        Assert.InRange(r.StandardError, 0.7 * Math.Sqrt(2 * offDiagonal / 400), 1.3 * Math.Sqrt(2 * offDiagonal / 400));
    }

    [Fact]
    public void StabilityMarginAndIntelligenceFollowTheCorrectedFormula()
    {
        Assert.Equal(2000 - 50, IntelligenceCoefficient.StabilityMargin(1e-3, 50), 9);
        Assert.Equal(0.6 * 4 / 1.5, IntelligenceCoefficient.Of(0.6, 4, 1.5), 12);
        Assert.True(IntelligenceCoefficient.Of(0.6, -1, 1.5) < 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => IntelligenceCoefficient.StabilityMargin(0, 1));
    }

    [Fact]
    public void BadArgumentsAreRejectedBeforeTouchingTorch()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new HessianVectorProduct(ones(3), [ones(3).requires_grad_(true)]));
        using var noGrad = no_grad();
        var x = ones(3).requires_grad_(true);
        Assert.Throws<ArgumentException>(() => new HessianVectorProduct(x.sum(), [x]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lanczos.Run(v => v, 3, 0));
    }
}
