using PhaseScope.LearningCoefficient;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Tests.LearningCoefficient;

/// <summary>
/// The SGLD estimator of the local learning coefficient on models whose answer is known in closed form.
/// <para>Regular model: least squares L(w) = (1/2n)‖y − Xw‖² at its minimiser w*. L(w) − L(w*) = ½ (w − w*)ᵀ H (w − w*)
/// with H = XᵀX/n, and the full-batch SGLD chain is a Gaussian AR(1): in H's eigenbasis each coordinate has drift
/// a = nβh + γ and, for step ε, stationary variance 1 / (a (1 − εa/4)) (the fixed point of v = (1 − εa/2)² v + ε). So
/// E[nβ (L − L*)] = ½ Σᵢ nβhᵢ / (aᵢ (1 − εaᵢ/4)), which is d/2 when γ = 0 and ε → 0 (Watanabe: λ = d/2 for a regular model).</para>
/// <para>Degenerate model: K(w) = w₁² + w₂⁴ at w* = 0. Under exp(−nβK) the coordinates are independent and, integrating
/// by parts, E[nβ c w^{2k}] = 1/(2k) for any nβ: λ = ½ + ¼ = ¾ (a quartic direction counts ¼ where a regular one counts
/// ½; the regular reading would be d/2 = 1).</para>
/// </summary>
public class LocalLearningCoefficientTests
{
    static (Tensor X, Tensor Y, Tensor WStar) Regression(int n, int d)
    {
        var gen = new Generator(5);
        var x = randn([n, d], ScalarType.Float64, generator: gen);
        var wTrue = randn([d, 1], ScalarType.Float64, generator: gen);
        var y = x.matmul(wTrue).add(randn([n, 1], ScalarType.Float64, generator: gen));
        var wStar = linalg.lstsq(x, y).Solution;
        return (x, y, wStar);
    }

    static double Expected(Tensor x, int n, double nBeta, double gamma, double eps)
    {
        var h = linalg.eigvalsh(x.T.matmul(x).div(n)).data<double>().ToArray();
        return h.Sum(hi => { double a = nBeta * hi + gamma; return 0.5 * nBeta * hi / (a * (1 - eps * a / 4)); });
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(20.0)]
    public void RegularModelMatchesTheGaussianClosedForm(double gamma)
    {
        const int n = 200, d = 5;
        var (x, y, wStar) = Regression(n, d);
        var w = wStar.clone().requires_grad_(true);
        var options = new LlcOptions(Chains: 4, Draws: 4000, BurnIn: 300, StepSize: 1e-3, Localization: gamma, ReferenceBatches: 1, Seed: 3);
        var est = LocalLearningCoefficient.Estimate([w], _ => y.sub(x.matmul(w)).pow(2).mean().div(2), n, options);
        double nBeta = n / Math.Log(n);
        double expected = Expected(x, n, nBeta, gamma, 1e-3);
        Assert.Equal(nBeta, est.NBeta, 10);
        Assert.Equal(0, est.Diverged);
        Assert.InRange(est.LambdaHat, 0.93 * expected, 1.07 * expected);
        if (gamma == 0) Assert.InRange(est.LambdaHat, 0.93 * d / 2.0, 1.07 * 1.02 * d / 2.0);   // ε's bias here is under 2 %
        Assert.True(w.eq(wStar).all().ToBoolean(), "the parameters are restored to w* exactly");
    }

    /// <summary>Over five noise seeds this setting gave 0.749–0.783 against the 0.776 below (chain noise: the quartic
    /// direction's nβw⁴ is Gamma(¼, 1) with standard deviation ½, and it mixes slowly).</summary>
    [Fact]
    public void QuarticDirectionCountsAQuarter()
    {
        var w = zeros([2], ScalarType.Float64).requires_grad_(true);
        const double eps = 1e-3, nBeta = 100;
        var options = new LlcOptions(Chains: 4, Draws: 20000, BurnIn: 1000, StepSize: eps, Localization: 0, NBeta: nBeta, ReferenceBatches: 1, Seed: 3);
        var est = LocalLearningCoefficient.Estimate([w], _ => w[0].pow(2).add(w[1].pow(4)), 1000, options);
        // Quadratic part with its AR(1) bias (a = 2nβ), quartic part ¼ (its discretisation bias is below the tolerance).
        double expected = 0.5 / (1 - eps * 2 * nBeta / 4) + 0.25;
        Assert.InRange(est.LambdaHat, expected - 0.06, expected + 0.06);
        Assert.True(est.LambdaHat < 0.9, "well below the regular reading d/2 = 1");
    }

    /// <summary>A step far beyond the curvature's stability limit (εa/2 ≫ 2) blows the chain up: reported as diverged
    /// chains and a NaN estimate, the parameters restored, nothing thrown.</summary>
    [Fact]
    public void DivergenceIsReportedAndThePointRestored()
    {
        var w = tensor(new[] { 0.5, -0.25 }, ScalarType.Float64).requires_grad_(true);
        var est = LocalLearningCoefficient.Estimate([w], _ => w.pow(2).sum(), 1000,
            new LlcOptions(Chains: 2, Draws: 500, BurnIn: 0, StepSize: 10, Localization: 0, NBeta: 100, ReferenceBatches: 1));
        Assert.Equal(2, est.Diverged);
        Assert.True(double.IsNaN(est.LambdaHat));
        Assert.Equal([0.5, -0.25], w.data<double>().ToArray());
    }

    [Fact]
    public void BadOptionsNameTheSetting()
    {
        var w = zeros([1]).requires_grad_(true);
        Tensor Loss(long _) => w.pow(2).sum();
        Assert.Contains("step size", Assert.Throws<ArgumentException>(() => LocalLearningCoefficient.Estimate([w], Loss, 10, new LlcOptions(StepSize: 0))).Message);
        Assert.Contains("γ", Assert.Throws<ArgumentException>(() => LocalLearningCoefficient.Estimate([w], Loss, 10, new LlcOptions(Localization: double.NaN))).Message);
        Assert.Contains("n ≥ 2", Assert.Throws<ArgumentException>(() => LocalLearningCoefficient.Estimate([w], Loss, 1, new LlcOptions())).Message);
        Assert.Contains("require grad", Assert.Throws<ArgumentException>(() => LocalLearningCoefficient.Estimate([zeros([1])], Loss, 10, new LlcOptions())).Message);
        var nan = tensor(new[] { double.NaN }).requires_grad_(true);
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => LocalLearningCoefficient.Estimate([nan], _ => nan.sum(), 10, new LlcOptions())).Message);
    }
}
