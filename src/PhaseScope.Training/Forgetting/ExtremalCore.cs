using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Training.Forgetting;

/// <summary>
/// Task A's extremal core, the set seed 000 §5.3's "theory-guided" EWC protects, as PhaseScope reconstructs it: the
/// <c>count</c> parameters of largest |θ_i|·|g_i| over all tensors together, g the gradient of task A's loss at the end of
/// task A. The seed names the core K_max = J_max ∩ I_max (Thm 4.9, Prop. 5.2) but never says how many parameters EWC
/// protects; the strict K_max holds at most a few indices and is empty whenever m∩ = 0 (every split-MNIST reading here),
/// which would leave nothing to protect. The pairs of largest |θ_i||g_i| are the extremal set of the coupling surface's
/// diagonal, the indices that carry Z(k, k) = (1/n) Σ |θ_i g_i|^k as k grows and the points of the spectral plane nearest
/// its origin in λ + μ (the nearest one sets d₀); they contain K_max whenever it is not empty. Ties at the threshold are
/// broken by index, so exactly <c>count</c> are chosen.
/// </summary>
public sealed class ExtremalCore : IDisposable
{
    readonly Tensor[] masks;

    /// <summary>Chooses the core from <paramref name="parameters"/> and their task-A gradients (null: a tensor the loss does not reach, |g| = 0).</summary>
    public ExtremalCore(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor?> gradients, int count)
    {
        if (parameters.Count != gradients.Count) throw new ArgumentException($"{parameters.Count} parameter tensors but {gradients.Count} gradients.");
        long total = parameters.Sum(p => p.numel());
        if (count < 1 || count > total) throw new ArgumentOutOfRangeException(nameof(count), count, $"The core holds between 1 and {total} parameters (the model's size).");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var products = cat(parameters.Select((p, i) => gradients[i] is { } g
            ? (p.detach().abs() * g.detach().abs()).flatten().to_type(ScalarType.Float64)
            : zeros(p.numel(), dtype: ScalarType.Float64)).ToArray());
        var (values, idx) = products.topk(count);
        Threshold = values[count - 1].item<double>();
        var flat = zeros(products.shape[0], dtype: ScalarType.Bool);
        flat.index_fill_(0, idx, KeptScalar.One); // integer 1 sets a Bool element to true
        long offset = 0;
        masks = parameters.Select(p =>
        {
            var m = flat.narrow(0, offset, p.numel()).reshape(p.shape).to_type(p.dtype).MoveToOuterDisposeScope();
            offset += p.numel();
            return m;
        }).ToArray();
        Count = count;
    }

    /// <summary>Parameters in the core.</summary>
    public int Count { get; }

    /// <summary>The smallest |θ_i||g_i| in the core.</summary>
    public double Threshold { get; }

    /// <summary>Per tensor, 1 where the parameter is in the core and 0 elsewhere (the parameter's dtype and shape).</summary>
    public IReadOnlyList<Tensor> Masks => masks;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var m in masks) m.Dispose();
    }
}
