using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Control;

/// <summary>
/// ZClip-style adaptive gradient clipping (Kumar et al. 2025, "ZClip: Adaptive Spike Mitigation for LLM Pre-Training",
/// arXiv 2504.02507), the baseline <c>--zclip Z</c> measures the instability controller against. The rule, on the global
/// gradient norm gₜ of each step:
/// <list type="number">
/// <item>warm-up: the first <see cref="Warmup"/> norms are collected unclipped; then μ = their mean and σ² = their
/// population variance;</item>
/// <item>after it, z = (gₜ − μ)/(σ + 10⁻⁶); when z &gt; <see cref="ZThreshold"/> the gradients are scaled to the norm
/// c = μ + Z·σ (the paper's percentile mode: mean + z·sd), else left alone;</item>
/// <item>the statistics follow the norm actually used, g* = c or gₜ: μ ← αμ + (1 − α)g*, then σ² ← ασ² + (1 − α)(g* − μ)²
/// with the new μ (α = <see cref="Alpha"/>; the paper's defaults α = 0.97, 25 warm-up steps, Z = 2.5).</item>
/// </list>
/// A non-finite norm is neither clipped nor counted. The fixed <c>--clip</c> still applies after it (the paper's
/// max_grad_norm). Its state (<see cref="SaveState"/>) travels with a resume point.
/// </summary>
public sealed class ZClip
{
    readonly List<double> warm = [];

    /// <summary>Creates the rule.</summary>
    public ZClip(double zThreshold = 2.5, double alpha = 0.97, int warmup = 25)
    {
        if (!(zThreshold > 0) || double.IsInfinity(zThreshold)) throw new ArgumentOutOfRangeException(nameof(zThreshold), zThreshold, "The z threshold must be positive and finite.");
        if (!(alpha is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The EMA factor must lie in (0, 1).");
        if (warmup < 2) throw new ArgumentOutOfRangeException(nameof(warmup), warmup, "The warm-up needs at least 2 norms for a variance.");
        ZThreshold = zThreshold;
        Alpha = alpha;
        Warmup = warmup;
    }

    /// <summary>Z: clip when the norm's z-score exceeds it, to μ + Z·σ.</summary>
    public double ZThreshold { get; }
    /// <summary>α of the moving averages.</summary>
    public double Alpha { get; }
    /// <summary>Norms collected before the statistics start.</summary>
    public int Warmup { get; }
    /// <summary>μ, the moving mean of the norm (NaN during the warm-up).</summary>
    public double Mean { get; private set; } = double.NaN;
    /// <summary>σ², the moving variance of the norm (NaN during the warm-up).</summary>
    public double Variance { get; private set; } = double.NaN;

    bool Started => !double.IsNaN(Mean);

    /// <summary>Feeds one norm: the norm to clip to (null: leave the gradients alone), the statistics updated.</summary>
    public double? Observe(double norm)
    {
        if (!double.IsFinite(norm)) return null;
        if (!Started)
        {
            warm.Add(norm);
            if (warm.Count < Warmup) return null;
            Mean = warm.Average();
            double m = Mean;
            Variance = warm.Sum(x => (x - m) * (x - m)) / warm.Count;
            warm.Clear();
            return null;
        }
        double sd = Math.Sqrt(Variance);
        double z = (norm - Mean) / (sd + 1e-6);
        double? clip = z > ZThreshold ? Mean + ZThreshold * sd : null;
        double used = clip ?? norm;
        Mean = Alpha * Mean + (1 - Alpha) * used;
        Variance = Alpha * Variance + (1 - Alpha) * (used - Mean) * (used - Mean);
        return clip;
    }

    /// <summary>Applies the rule to the gradients of <paramref name="parameters"/> (global L2 norm, computed in float64;
    /// scaled in place by c/(g + 10⁻⁶) as <c>clip_grad_norm_</c> does). Returns (g, c) when it clipped, else null.</summary>
    public (double Norm, double ClippedTo)? Clip(IEnumerable<Tensor> parameters)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return null;
        double norm = Math.Sqrt(stack(grads.Select(g => { var d = g.to_type(ScalarType.Float64); return d.mul(d).sum(); }).ToArray()).sum().item<double>());
        if (Observe(norm) is not double c) return null;
        double coefficient = c / (norm + 1e-6);
        foreach (var g in grads) KeptScalar.With(coefficient, s => g.mul_(s));
        return (norm, c);
    }

    /// <summary>The state: [μ, σ², the warm-up norms collected so far…].</summary>
    public IReadOnlyList<double> SaveState() => [Mean, Variance, .. warm];

    /// <summary>Returns to a state written by <see cref="SaveState"/>.</summary>
    /// <exception cref="ArgumentException">Not such a state.</exception>
    public void RestoreState(IReadOnlyList<double> state)
    {
        if (state.Count < 2 || (double.IsNaN(state[0]) != double.IsNaN(state[1])) || (!double.IsNaN(state[0]) && state.Count != 2) || state.Count - 2 >= Warmup)
            throw new ArgumentException($"Not a ZClip state with a warm-up of {Warmup} ({state.Count} numbers).", nameof(state));
        Mean = state[0];
        Variance = state[1];
        warm.Clear();
        warm.AddRange(state.Skip(2));
    }
}
