using PhaseScope.Consolidation;
using PhaseScope.Stability;
using PhaseScope.Training.Optimizers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Stability;

/// <summary>λ_max(P⁻¹H), the directional sharpness and AdamW's P⁻¹ on quadratics whose answers are known in closed form.</summary>
public class PreconditionedSharpnessTests
{
    // L(x) = ½ xᵀAx + bᵀx: H = A, ∇L = Ax + b.
    static readonly double[] AValues = [4, 1, 0.5, 1, 3, -0.7, 0.5, -0.7, 2];
    static readonly double[] B = [0.3, -1, 2];

    static (HessianVectorProduct Hvp, Tensor X) Quadratic(double[] x0, ScalarType dtype)
    {
        var a = tensor(AValues, [3, 3], dtype);
        var x = tensor(x0, dtype).requires_grad_(true);
        Tensor loss;
        using (enable_grad()) loss = x.dot(a.matmul(x)) * 0.5 + x.dot(tensor(B, dtype));
        return (new HessianVectorProduct(loss, [x]), x);
    }

    [Fact]
    public void LanczosOnThePreconditionedOperatorFindsTheTopEigenvalueOfPInverseA()
    {
        using var scope = NewDisposeScope();
        double[] d = [2, 0.5, 4];   // D = P⁻¹ for P = (0.5, 2, 0.25)
        var (hvp, _) = Quadratic([1, -1, 0.5], ScalarType.Float64);
        using var _ = hvp;
        var op = new PreconditionedHessian(hvp, tensor(d, ScalarType.Float64));
        var r = Lanczos.Run(op.Apply, op.Dimension, maxIterations: 3, tolerance: 1e-12, seed: 1);
        // Reference: the eigenvalues of the non-symmetric P⁻¹A by the general eigensolver.
        var pa = diag(tensor(d, ScalarType.Float64)).matmul(tensor(AValues, [3, 3], ScalarType.Float64));
        double reference = linalg.eigvals(pa).real.max().item<double>();
        Assert.Equal(reference, r.LambdaMax, 1e-10);
        // Not λ_max(A) times anything simple: A's own top eigenvalue differs.
        double plain = linalg.eigvalsh(tensor(AValues, [3, 3], ScalarType.Float64)).max().item<double>();
        Assert.True(Math.Abs(plain - reference) > 1);
    }

    [Fact]
    public void DirectionalSharpnessIsTheRayleighQuotientAndSlopeTheGradientAlongU()
    {
        using var scope = NewDisposeScope();
        double[] x0 = [1, -1, 0.5], u = [0.2, 0.1, -0.4];
        var (hvp, _) = Quadratic(x0, ScalarType.Float64);
        using var _ = hvp;
        var r = DirectionalSharpness.Along(hvp, tensor(u, ScalarType.Float64))!;
        // By hand in doubles: Au, uᵀAu, (Ax + b)ᵀu.
        double[] au = new double[3], ax = new double[3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) { au[i] += AValues[3 * i + j] * u[j]; ax[i] += AValues[3 * i + j] * x0[j]; }
        double uAu = au.Zip(u, (p, q) => p * q).Sum(), uu = u.Sum(v => v * v), slope = Enumerable.Range(0, 3).Sum(i => (ax[i] + B[i]) * u[i]);
        Assert.Equal(uAu / uu, r.Sharpness, 1e-12);
        Assert.Equal(slope, r.Slope, 1e-12);
        Assert.Equal(slope + uAu / 2, r.ModelChange, 1e-12);
        Assert.Null(DirectionalSharpness.Along(hvp, zeros(3, ScalarType.Float64)));
    }

    [Fact]
    public void APreconditionerWithAZeroOrNonFiniteEntryIsRefused()
    {
        using var scope = NewDisposeScope();
        var (hvp, _) = Quadratic([1, 1, 1], ScalarType.Float64);
        using var _ = hvp;
        Assert.Throws<ArgumentException>(() => new PreconditionedHessian(hvp, tensor(new double[] { 1, 0, 1 }, ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => new PreconditionedHessian(hvp, tensor(new double[] { 1, double.PositiveInfinity, 1 }, ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => new PreconditionedHessian(hvp, tensor(new double[] { 1, 1 }, ScalarType.Float64)));
    }

    [Fact]
    public void KeptAdamWGivesOneOverRootVHatPlusEpsilonAndItsRule()
    {
        using var scope = NewDisposeScope();
        var w = new Parameter(tensor(new double[] { 1, 2, 3 }, ScalarType.Float64));
        double beta2 = 0.98, eps = 1e-3;
        using var adam = new KeptAdamW([w], 0.01, 0.9, beta2, eps, 0.5);
        Assert.Null(adam.InverseDiagonal(w));   // no state before the first step
        double[][] grads = [[0.1, -2, 0], [0.3, 1, 0.02]];
        foreach (var g in grads)
        {
            adam.ZeroGrad();
            using (enable_grad()) w.dot(tensor(g, ScalarType.Float64)).backward();
            adam.Step();
        }
        var inverse = adam.InverseDiagonal(w)!;
        Assert.Equal(ScalarType.Float64, inverse.dtype);
        for (int i = 0; i < 3; i++)
        {
            // v₂ = (1 − β₂)(β₂ g₁² + g₂²), v̂ = v₂/(1 − β₂²).
            double v = (1 - beta2) * (beta2 * grads[0][i] * grads[0][i] + grads[1][i] * grads[1][i]);
            double expected = 1 / (Math.Sqrt(v / (1 - beta2 * beta2)) + eps);
            Assert.Equal(expected, inverse[i].item<double>(), 1e-12 * expected);
        }
        var rule = adam.Stability;
        Assert.Equal(OptimizerKind.AdamW, rule.Kind);
        Assert.Equal(2, rule.Step);
        Assert.Equal(0.9, rule.Momentum);
        Assert.Equal(0.5, rule.WeightDecay);
        // c₁ = 1 − 0.81 = 0.19: 0.19 · 1.9 · (2 − 0.005)/(0.1 · 0.01).
        Assert.Equal(0.19 * 1.9 * 1.995 / 1e-3, rule.Threshold, 1e-9);
        using var other = new Parameter(zeros(2, ScalarType.Float64));
        Assert.Null(adam.InverseDiagonal(other));
    }
}
