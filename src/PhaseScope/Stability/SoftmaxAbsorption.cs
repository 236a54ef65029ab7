using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Stability;

/// <summary>What <see cref="SoftmaxAbsorption.Measure"/> found on a set of examples.</summary>
/// <param name="Examples">Examples scored.</param>
/// <param name="AbsorbedFraction">Share of examples whose correct-class log-softmax is exactly 0 in the logits' own dtype:
/// their loss and their correct-class gradient p_c − 1 are exactly 0 (absorbed).</param>
/// <param name="RuleFraction">Share for which the float64 rule S ≤ u holds (S = Σ_{j≠c} e^{z_j − z_c}, u = 2^{−(mantissa bits + 1)}
/// of the logits' dtype): the sum 1 + S rounds to 1.</param>
/// <param name="LargestMargin">max over examples of z_c − max_{j≠c} z_j (negative when no example is classified right).</param>
/// <param name="MedianMargin">Median of the same margin.</param>
public sealed record AbsorptionReading(long Examples, double AbsorbedFraction, double RuleFraction, double LargestMargin, double MedianMargin);

/// <summary>
/// Softmax collapse (Prieto et al. 2025, "Grokking at the edge of numerical stability"): once the correct logit leads
/// every other by enough, the float sum in the softmax's normaliser absorbs the others and the correct class's gradient
/// rounds to zero. Cross-entropy computes log p_c = z_c − m − log Σ_j e^{z_j − m} with m = max_j z_j; when z_c = m the sum is
/// 1 + S with S = Σ_{j≠c} e^{−Δ_j}, Δ_j = z_c − z_j. In a float format with a t-bit significand (float32: t = 24) 1 + S
/// rounds to 1 iff S ≤ u = 2^{−t} (round to nearest, ties to even: 1 + 2^{−t} is the tie and rounds to 1); then log p_c = 0
/// exactly, the loss of the example is 0 and ∂L/∂z_c = p_c − 1 = 0, while the wrong classes keep gradients e^{−Δ_j}.
/// With one runner-up that dominates S the rule is Δ ≥ t ln 2 (float32: 16.636); with K rivals tied at the gap Δ it is
/// Δ ≥ t ln 2 + ln K. The rule assumes the sum adds the small terms before they meet the 1 (or that each term alone would
/// round away); a summation that adds the 1 first absorbs every term below u even when their total exceeds it, so
/// <see cref="AbsorptionReading.AbsorbedFraction"/> (what the dtype actually did) can exceed the rule's share, never
/// (up to rounding at the boundary) fall below it. Works on logits [N, C] and targets [N] of any float dtype and device.
/// </summary>
public static class SoftmaxAbsorption
{
    /// <summary>u = 2^{−t} for a float dtype's t-bit significand: the largest S that 1 + S rounds away.</summary>
    public static double UnitRoundoff(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => Math.Pow(2, -53),
        ScalarType.Float32 => Math.Pow(2, -24),
        ScalarType.BFloat16 => Math.Pow(2, -8),
        ScalarType.Float16 => Math.Pow(2, -11),
        _ => throw new ArgumentException($"Logits must be a floating-point dtype (got {dtype}).", nameof(dtype)),
    };

    /// <summary>The gap Δ to a single runner-up at which the correct class's gradient is absorbed: t ln 2 (float32: 16.636).</summary>
    public static double AbsorbingGap(ScalarType dtype) => -Math.Log(UnitRoundoff(dtype));

    /// <summary>Measures absorption and margins of <paramref name="logits"/> [N, C] (C ≥ 2) against <paramref name="targets"/> [N] (int64 class indices).</summary>
    /// <exception cref="ArgumentException">Shapes or dtypes do not fit, or a target is outside [0, C).</exception>
    public static AbsorptionReading Measure(Tensor logits, Tensor targets)
    {
        if (logits.ndim != 2 || logits.shape[1] < 2) throw new ArgumentException($"Logits must be [N, C] with C ≥ 2 (got [{string.Join(", ", logits.shape)}]).", nameof(logits));
        if (targets.ndim != 1 || targets.shape[0] != logits.shape[0]) throw new ArgumentException($"Targets must be [N] with N = {logits.shape[0]} (got [{string.Join(", ", targets.shape)}]).", nameof(targets));
        if (targets.dtype != ScalarType.Int64) throw new ArgumentException($"Targets must be int64 class indices (got {targets.dtype}).", nameof(targets));
        double u = UnitRoundoff(logits.dtype);
        long n = logits.shape[0], c = logits.shape[1];
        if (n == 0) return new AbsorptionReading(0, double.NaN, double.NaN, double.NaN, double.NaN);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var z = logits.detach();
        long lo = targets.min().item<long>(), hi = targets.max().item<long>();
        if (lo < 0 || hi >= c) throw new ArgumentException($"Targets must lie in [0, {c}) (got [{lo}, {hi}]).", nameof(targets));
        var index = targets.unsqueeze(1).to(z.device);
        // What the dtype does: log-softmax as cross-entropy computes it, in the logits' own dtype.
        var logP = z.log_softmax(1).gather(1, index).squeeze(1);
        double absorbed = logP.eq(KeptScalar.Zero).to_type(ScalarType.Float64).mean().item<double>();
        // The rule, in float64: log S = logsumexp_{j≠c}(z_j − z_c) ≤ log u.
        var z64 = z.to_type(ScalarType.Float64);
        var correct = z64.gather(1, index);
        var others = z64.sub(correct).scatter(1, index, KeptScalar.With(double.NegativeInfinity, s => full_like(correct, s)));
        var logS = others.logsumexp(1);
        double rule = KeptScalar.With(Math.Log(u), s => logS.le(s)).to_type(ScalarType.Float64).mean().item<double>();
        var margin = others.max(1).values.neg();
        double largest = margin.max().item<double>();
        double median = margin.median().item<double>();
        return new AbsorptionReading(n, absorbed, rule, largest, median);
    }
}
