using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Training.Forgetting;

/// <summary>
/// Holds the <c>count</c> parameters of largest magnitude (over all tensors together, as seed 000 §5.3's
/// "top-1000 parameters by magnitude") at their task-A values: after every optimiser step they are written
/// back, so neither gradients, momentum nor weight decay can move them.
/// </summary>
public sealed class HardFreeze : IDisposable
{
    readonly (Tensor Mask, Tensor Values)[] frozen;
    readonly IReadOnlyList<Tensor> parameters;

    /// <summary>Selects the frozen set from the current values of <paramref name="parameters"/>.</summary>
    public HardFreeze(IReadOnlyList<Tensor> parameters, int count)
    {
        long total = parameters.Sum(p => p.numel());
        if (count < 1 || count > total) throw new ArgumentOutOfRangeException(nameof(count), count, $"Freeze between 1 and {total} parameters (the model's size).");
        this.parameters = parameters;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var all = cat(parameters.Select(p => p.detach().abs().flatten()).ToArray());
        // The count-th largest magnitude; ties at the threshold are broken by index so that exactly `count` are frozen.
        var (_, idx) = all.topk(count);
        var flatMask = zeros(all.shape[0], dtype: ScalarType.Bool);
        flatMask.index_fill_(0, idx, KeptScalar.One); // integer 1 sets a Bool element to true
        long offset = 0;
        frozen = parameters.Select(p =>
        {
            var m = flatMask.narrow(0, offset, p.numel()).reshape(p.shape).clone().MoveToOuterDisposeScope();
            offset += p.numel();
            return (m, p.detach().clone().MoveToOuterDisposeScope());
        }).ToArray();
        Count = count;
    }

    /// <summary>Number of frozen parameters.</summary>
    public int Count { get; }

    /// <summary>Writes the frozen values back (call after every optimiser step).</summary>
    public void Restore()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            using var kept = where(frozen[i].Mask, frozen[i].Values, parameters[i]);
            parameters[i].copy_(kept);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (m, v) in frozen) { m.Dispose(); v.Dispose(); }
    }
}
