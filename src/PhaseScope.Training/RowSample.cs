using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>The rows a logit source reads: every row of a set of n when n ≤ k, else the k rows i·⌊n/k⌋, i = 0 … k − 1 (spread
/// over the whole set, the same rows at every call).</summary>
static class RowSample
{
    /// <summary>The sampled rows of <paramref name="inputs"/> and <paramref name="targets"/> (paired by their first dimension),
    /// at most <paramref name="k"/> of them: aliases when every row is kept.</summary>
    public static (Tensor Inputs, Tensor Targets) Of(Tensor inputs, Tensor targets, long k)
    {
        long n = inputs.shape[0];
        if (n <= k) return (inputs.alias(), targets.alias());
        long stride = n / k;
        var picked = new long[k];
        for (long i = 0; i < k; i++) picked[i] = i * stride;
        using var rows = tensor(picked, ScalarType.Int64, inputs.device);
        return (inputs.index_select(0, rows), targets.index_select(0, rows));
    }
}
