using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>Result of <see cref="HutchinsonTrace"/>.</summary>
/// <param name="Trace">Mean of vᵀHv over the probes (unbiased for Tr H).</param>
/// <param name="StandardError">Sample standard deviation / √samples (NaN for one sample).</param>
/// <param name="Samples">Rademacher probes used.</param>
public sealed record HutchinsonResult(double Trace, double StandardError, int Samples);

/// <summary>
/// Hutchinson's estimator of the Hessian trace (what Cockpit and PyHessian report): for Rademacher v
/// (entries ±1), E[vᵀHv] = Tr H and Var[vᵀHv] = 2 Σ_{i≠j} H_ij², so the estimate is exact for a diagonal H.
/// </summary>
public static class HutchinsonTrace
{
    /// <summary>Estimates Tr H with <paramref name="samples"/> Rademacher probes from a dedicated generator.</summary>
    public static HutchinsonResult Run(Func<Tensor, Tensor> apply, long dimension, int samples = 10, long seed = 0)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The operator needs a positive dimension.");
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "Hutchinson needs at least one probe vector.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        var values = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            using var inner = NewDisposeScope();
            var v = KeptScalar.Add(KeptScalar.Mul(randint(0, 2, [dimension], ScalarType.Float64, generator: generator), 2), -1);
            values[s] = apply(v).to_type(ScalarType.Float64).dot(v).item<double>();
            if (!double.IsFinite(values[s])) throw new ArithmeticException("A Hessian-vector product was not finite; the curvature is undefined here.");
        }
        double mean = values.Average();
        double se = samples > 1 ? Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (samples - 1) / samples) : double.NaN;
        return new HutchinsonResult(mean, se, samples);
    }
}
