using PhaseScope.Stability;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Stability;

/// <summary>
/// The thresholds of <see cref="StabilityMargin"/> against the learning rate at which the update rule, run in float64 on
/// L = ½ xᵀAx with a frozen diagonal preconditioner, starts to diverge (found by bisection), and against hand values.
/// </summary>
public class StabilityMarginTests
{
    // A symmetric positive definite 3×3 matrix and a frozen diagonal P (AdamW's √v̂ + ε); P⁻¹A is not symmetric.
    static readonly double[,] A = { { 4, 1, 0.5 }, { 1, 3, -0.7 }, { 0.5, -0.7, 2 } };
    static readonly double[] P = { 0.5, 2, 0.25 };
    static readonly double[] Ones = { 1, 1, 1 };

    static double[] Times(double[,] a, double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) for (int j = 0; j < x.Length; j++) y[i] += a[i, j] * x[j];
        return y;
    }

    static double Norm(double[] x) => Math.Sqrt(x.Sum(v => v * v));

    /// <summary>The optimizer's iteration from x₀ = (1, 1, 1) for 20,000 steps; true when ‖x‖ grew beyond 10³. AdamW's bias
    /// correction c₁ is frozen at <paramref name="c1"/> (1: its limit, t → ∞).</summary>
    static bool Diverges(OptimizerKind kind, double eta, double beta, double decay, double[] p, bool nesterov = false, double dampening = 0, double c1 = 1)
    {
        var x = new double[] { 1, 1, 1 };
        var m = new double[3];
        for (int t = 1; t <= 20_000; t++)
        {
            var g = Times(A, x);
            if (kind == OptimizerKind.AdamW)
            {
                for (int i = 0; i < 3; i++)
                {
                    m[i] = beta * m[i] + (1 - beta) * g[i];
                    x[i] = (1 - eta * decay) * x[i] - eta / c1 * m[i] / p[i];
                }
            }
            else
            {
                for (int i = 0; i < 3; i++)
                {
                    double gi = g[i] + decay * x[i];
                    m[i] = beta * m[i] + (1 - dampening) * gi;
                    x[i] -= eta * (nesterov ? gi + beta * m[i] : m[i]);
                }
            }
            if (Norm(x) > 1e3) return true;
        }
        return false;
    }

    /// <summary>The largest stable η by bisection between a stable and an unstable rate.</summary>
    static double CriticalRate(Func<double, bool> diverges)
    {
        double lo = 1e-4, hi = 10;
        Assert.False(diverges(lo));
        Assert.True(diverges(hi));
        for (int i = 0; i < 60; i++)
        {
            double mid = Math.Sqrt(lo * hi);
            if (diverges(mid)) hi = mid; else lo = mid;
        }
        return Math.Sqrt(lo * hi);
    }

    /// <summary>λ_max(P⁻¹A) from the eigenvalues of the non-symmetric P⁻¹A itself (torch's general eigensolver, float64).</summary>
    static double LambdaMaxOfPreconditioned(double[] p)
    {
        using var scope = NewDisposeScope();
        var a = tensor(new[] { A[0, 0], A[0, 1], A[0, 2], A[1, 0], A[1, 1], A[1, 2], A[2, 0], A[2, 1], A[2, 2] }, [3, 3], ScalarType.Float64);
        var inv = diag(tensor(p.Select(v => 1 / v).ToArray(), ScalarType.Float64));
        var eig = linalg.eigvals(inv.matmul(a));
        var real = eig.real;
        Assert.True(eig.imag.abs().max().item<double>() < 1e-12);   // similar to a symmetric matrix: real spectrum
        return real.max().item<double>();
    }

    /// <summary>η* where threshold(η) = λ: the margin's zero, found by bisection on the closed form (monotone in η).</summary>
    static double RateWhereMarginVanishes(Func<double, StabilityMargin> rule, double lambda)
    {
        double lo = 1e-6, hi = 100;
        for (int i = 0; i < 200; i++)
        {
            double mid = Math.Sqrt(lo * hi);
            if (rule(mid).Margin(lambda) > 0) lo = mid; else hi = mid;
        }
        return lo;
    }

    [Theory]
    [InlineData(0.9, 0.0, null)]
    [InlineData(0.9, 1.0, null)]
    [InlineData(0.0, 0.0, null)]
    [InlineData(0.5, 0.3, null)]
    [InlineData(0.9, 0.0, 2L)]
    [InlineData(0.9, 1.0, 5L)]
    public void AdamWWithAFrozenPreconditionerDivergesWhereTheClosedFormSays(double beta1, double decay, long? step)
    {
        double lambda = LambdaMaxOfPreconditioned(P);
        double c1 = step is long t ? 1 - Math.Pow(beta1, t) : 1;
        double measured = CriticalRate(eta => Diverges(OptimizerKind.AdamW, eta, beta1, decay, P, c1: c1));
        double predicted = RateWhereMarginVanishes(eta => new StabilityMargin { Kind = OptimizerKind.AdamW, LearningRate = eta, Momentum = beta1, WeightDecay = decay, Step = step }, lambda);
        // Solved by hand: c₁(1 + β)(2 − ηw)/((1 − β)η) = λ ⇔ η = 2c₁(1 + β)/((1 − β)λ + c₁(1 + β)w).
        double byHand = 2 * c1 * (1 + beta1) / ((1 - beta1) * lambda + c1 * (1 + beta1) * decay);
        Assert.Equal(byHand, predicted, 1e-9 * byHand);
        Assert.InRange(measured / predicted, 0.998, 1.002);
    }

    [Theory]
    [InlineData(0.0, 0.0, false, 0.0)]
    [InlineData(0.9, 0.0, false, 0.0)]
    [InlineData(0.9, 0.1, false, 0.0)]
    [InlineData(0.9, 0.0, false, 0.5)]
    [InlineData(0.9, 0.0, true, 0.0)]
    [InlineData(0.5, 0.2, true, 0.0)]
    public void SgdDivergesWhereTheClosedFormSays(double momentum, double decay, bool nesterov, double dampening)
    {
        double lambda = LambdaMaxOfPreconditioned(Ones);   // P = I: λ_max(A)
        double measured = CriticalRate(eta => Diverges(OptimizerKind.Sgd, eta, momentum, decay, Ones, nesterov, dampening));
        double predicted = RateWhereMarginVanishes(eta => new StabilityMargin { Kind = OptimizerKind.Sgd, LearningRate = eta, Momentum = momentum, WeightDecay = decay, Nesterov = nesterov, Dampening = dampening }, lambda);
        Assert.InRange(measured / predicted, 0.998, 1.002);
    }

    [Fact]
    public void HandValues()
    {
        // Cohen et al.: (2 + 2β₁)/((1 − β₁)η) = 3.8/(0.1 · 10⁻³) = 38,000 at β₁ = 0.9, η = 10⁻³.
        Assert.Equal(38_000, new StabilityMargin { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, Momentum = 0.9 }.Threshold, 1e-9);
        // The README run: w = 1 takes (1.9)(2 − 10⁻³)/10⁻⁴ = 37,981.
        Assert.Equal(37_981, new StabilityMargin { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, Momentum = 0.9, WeightDecay = 1 }.Threshold, 1e-9);
        // Step 1: c₁ = 1 − 0.9 = 0.1, a tenth of it.
        Assert.Equal(3_800, new StabilityMargin { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, Momentum = 0.9, Step = 1 }.Threshold, 1e-9);
        Assert.Equal(2_000, new StabilityMargin { Kind = OptimizerKind.Sgd, LearningRate = 1e-3 }.Threshold, 1e-9);
        Assert.Equal(3_800, new StabilityMargin { Kind = OptimizerKind.Sgd, LearningRate = 1e-3, Momentum = 0.9 }.Threshold, 1e-9);
        // Nesterov at μ = 0.9: 2 · 1.9/(2.8 · 10⁻³) = 1357.14…
        Assert.Equal(3.8 / 2.8e-3, new StabilityMargin { Kind = OptimizerKind.Sgd, LearningRate = 1e-3, Momentum = 0.9, Nesterov = true }.Threshold, 1e-9);
        var margin = new StabilityMargin { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, Momentum = 0.9 };
        Assert.Equal(8_000, margin.Margin(30_000), 1e-9);
        Assert.Equal(0.5, margin.Ratio(19_000), 1e-12);
    }

    [Fact]
    public void MuonHasNoThreshold()
    {
        var muon = new StabilityMargin { Kind = OptimizerKind.Muon, LearningRate = 0.02, Momentum = 0.95 };
        Assert.False(muon.HasThreshold);
        Assert.True(double.IsNaN(muon.Threshold));
        Assert.True(double.IsNaN(muon.Margin(5)));
    }

    [Fact]
    public void OutOfRangeSettingsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StabilityMargin { Kind = OptimizerKind.AdamW, LearningRate = 0 }.Threshold);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StabilityMargin { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, Momentum = 1 }.Threshold);
        Assert.True(new StabilityMargin { Kind = OptimizerKind.AdamW, LearningRate = 1, WeightDecay = 2 }.Threshold <= 0);   // decay alone unstable
        Assert.Throws<ArgumentException>(() => new StabilityMargin { Kind = OptimizerKind.Sgd, LearningRate = 1e-3, Nesterov = true, Dampening = 0.1 }.Threshold);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StabilityMargin { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, Step = 0 }.Threshold);
    }
}
