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
    public void EigenvaluesEqualTheWrittenOutFormula(bool cumulative)
    {
        const int n = 8;
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var parts = new[] { randn([3, 70], generator: generator), randn([70], generator: generator), randn([1000], generator: generator) };
        using var gram = new GradientSampleGram(n, cumulative);
        var rows = new List<Tensor>();
        for (int j = 0; j < n; j++)
        {
            var observed = parts.Select(p => p.mul(0.1 * (j + 1)).add(randn(p.shape, generator: generator).mul(0.01))).ToArray();
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
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-10 * expected[0], $"λ_{i}: {expected[i]:R} vs {actual[i]:R}");
        Assert.Equal(ParticipationRatio.Of(expected), ParticipationRatio.Of(actual), 9);
        Assert.True(actual[0] > actual[^1]);
    }
}
