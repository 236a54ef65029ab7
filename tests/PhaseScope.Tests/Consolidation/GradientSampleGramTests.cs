using PhaseScope.Consolidation;
using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Consolidation;

/// <summary>
/// The samples' Gram of float32 micro-batch gradients against the textbook float64 formula written out here: rows of the
/// running means G_j, samples k (G_j − G_{j−1}) with G_0 = 0 from a shifted copy, centred, C Cᵀ/(n − 1). The probe's
/// Gram is formed from R Rᵀ instead (one read of the rows), so the eigenvalues agree to float64 rounding: within 1e-10 of the
/// largest, on rows that grow along one direction with 1 % noise (the samples' mean ≈ 7 times their spread).
/// </summary>
public class GradientSampleGramTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EigenvaluesEqualTheWrittenOutFormula(bool cumulative) => AgreesWithTheWrittenOutFormula(cumulative, 0.01, 1e-10, 9);

    /// <summary>
    /// The cost of forming the Gram from R Rᵀ: S carries the rows' squared norms, so its rounding grows with
    /// (k‖G‖ / ‖g − ḡ‖)². Micro-batch samples k (G_j − G_{j−1}) whose common part is ≈ 700 times their spread per value
    /// (the running means grow by 0.1·p a step, the noise is 10⁻⁴) still agree with the centre-first formula to 10⁻⁵ of the
    /// largest eigenvalue. The class comment's bound, 2⁻⁵² · n · k² · 700² ≈ 6·10⁻⁸ relative, is met (1.7·10⁻⁸ when this
    /// was written); the tolerance leaves room for the GEMM's summation order.
    /// </summary>
    [Fact]
    public void EigenvaluesKeepTheirAccuracyWhenTheSamplesMeanDwarfsTheirSpread() => AgreesWithTheWrittenOutFormula(true, 1e-4, 1e-5, 4);

    /// <summary>Eight rows along one direction growing step by step with noise of <paramref name="noise"/> (per value, against
    /// values of order 0.1–0.8), against C Cᵀ/(n − 1) of the centred samples in float64: every eigenvalue within
    /// <paramref name="tolerance"/> of the largest, the participation ratio to <paramref name="participationDigits"/> decimals.</summary>
    static void AgreesWithTheWrittenOutFormula(bool cumulative, double noise, double tolerance, int participationDigits)
    {
        const int n = 8;
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var parts = new[] { randn([3, 70], generator: generator), randn([70], generator: generator), randn([1000], generator: generator) };
        using var gram = new GradientSampleGram(n, cumulative);
        var rows = new List<Tensor>();
        for (int j = 0; j < n; j++)
        {
            var observed = parts.Select(p => p.mul(0.1 * (j + 1)).add(randn(p.shape, generator: generator).mul(noise))).ToArray();
            gram.Observe(observed);
            rows.Add(cat(observed.Select(o => o.flatten().to_type(ScalarType.Float64)).ToArray()));
        }
        var r = stack(rows);
        var x = cumulative ? r.sub(cat([zeros([1, r.shape[1]], ScalarType.Float64), r.narrow(0, 0, n - 1)])).mul(n) : r;
        var c = x.sub(x.mean([0L], keepdim: true));
        var g = c.matmul(c.t()).div(n - 1.0).data<double>().ToArray();
        var matrix = new double[n, n];
        for (int i = 0; i < n; i++) for (int k = 0; k < n; k++) matrix[i, k] = g[i * n + k];
        var expected = SymmetricEigen.Decompose(matrix).Values;
        var actual = gram.Eigenvalues();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * expected[0], $"λ_{i}: {expected[i]:R} vs {actual[i]:R}");
        Assert.Equal(ParticipationRatio.Of(expected), ParticipationRatio.Of(actual), participationDigits);
        Assert.True(actual[0] > actual[^1]);
    }
}
