using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Training.Mnist;

/// <summary>
/// Layer-wise pruning to a target sparsity s (Frankle and Carbin 2019, iterative magnitude pruning): in each masked
/// tensor of n weights exactly round(s · n) are pruned in all. <see cref="ByMagnitude"/> keeps, among the weights the
/// current mask still holds, the n − round(s · n) of largest |w| (a pruned weight stays pruned); <see cref="AtRandom"/>
/// keeps a uniformly random set of that size (the "random sparse network" of seed 003 §9.3). Sparsity is per layer,
/// not global: every layer loses the same share.
/// </summary>
public static class MagnitudePruning
{
    /// <summary>Weights of a tensor of <paramref name="count"/> kept at sparsity <paramref name="sparsity"/>.</summary>
    public static long Kept(long count, double sparsity)
    {
        if (!(sparsity >= 0 && sparsity < 1)) throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity, "The sparsity must lie in [0, 1).");
        return count - (long)Math.Round(sparsity * count, MidpointRounding.AwayFromZero);
    }

    /// <summary>The new mask: of the weights <paramref name="current"/> keeps, the largest |<paramref name="trained"/>| values
    /// (by name), so that each tensor reaches <paramref name="sparsity"/>.</summary>
    public static WeightMask ByMagnitude(IReadOnlyDictionary<string, Tensor> trained, WeightMask current, double sparsity)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(current);
        var next = new Dictionary<string, Tensor>();
        using var noGrad = no_grad();
        foreach (var (name, mask) in current.Masks)
        {
            if (!trained.TryGetValue(name, out var w)) throw new ArgumentException($"The trained weights lack {name}.", nameof(trained));
            long n = mask.numel(), keep = Kept(n, sparsity);
            long alive = mask.sum().to_type(ScalarType.Int64).item<long>();
            if (keep > alive) throw new ArgumentException($"{name} keeps {alive} weights already; sparsity {sparsity} would keep {keep}: the sparsity must not fall between pruning rounds.", nameof(sparsity));
            // pruned weights score −1, below every |w| ≥ 0, so they are never chosen again
            using var scope = NewDisposeScope();
            var alive01 = KeptScalar.Ge(mask.flatten(), 0.5);
            var magnitude = w.detach().to(mask.device).abs().to_type(ScalarType.Float64).flatten();
            var score = KeptScalar.MaskedFill(magnitude, alive01.logical_not(), -1.0);
            var chosen = score.topk((int)keep).indexes;
            var flat = zeros(n, mask.dtype, mask.device);
            KeptScalar.With(1.0, one => flat.index_fill_(0, chosen, one));
            next[name] = flat.reshape(mask.shape).MoveToOuterDisposeScope();
        }
        return new WeightMask(next);
    }

    /// <summary>A uniformly random mask of <paramref name="sparsity"/> per tensor, shaped like <paramref name="like"/>'s masks.</summary>
    public static WeightMask AtRandom(WeightMask like, double sparsity, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(like);
        var next = new Dictionary<string, Tensor>();
        foreach (var (name, mask) in like.Masks)
        {
            using var scope = NewDisposeScope();
            long n = mask.numel(), keep = Kept(n, sparsity);
            var chosen = randperm(n, generator: generator).narrow(0, 0, keep).to(mask.device);
            var flat = zeros(n, mask.dtype, mask.device);
            KeptScalar.With(1.0, one => flat.index_fill_(0, chosen, one));
            next[name] = flat.reshape(mask.shape).MoveToOuterDisposeScope();
        }
        return new WeightMask(next);
    }
}
