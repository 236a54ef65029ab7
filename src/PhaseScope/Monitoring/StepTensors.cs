using static TorchSharp.torch;

namespace PhaseScope.Monitoring;

/// <summary>
/// The gradients and updates of one monitor call, read once and shared by every probe of the call: each handle is kept
/// out of the calling probe's dispose scope and released when the call ends.
/// </summary>
internal sealed class StepTensors(IReadOnlyList<NamedParameter> parameters, Func<int, Tensor?> previous) : IDisposable
{
    readonly Tensor?[] grads = new Tensor?[parameters.Count];
    readonly bool[] gradsRead = new bool[parameters.Count];
    readonly Tensor?[] updates = new Tensor?[parameters.Count];

    /// <summary>The gradient of parameter <paramref name="i"/>, or null when it has none.</summary>
    public Tensor? Gradient(int i)
    {
        if (!gradsRead[i]) { grads[i] = parameters[i].Value.grad?.DetachFromDisposeScope(); gradsRead[i] = true; }
        return grads[i];
    }

    /// <summary>θ_t − θ_{t−1} of parameter <paramref name="i"/>, or null without a snapshot of θ_{t−1}.</summary>
    public Tensor? Update(int i)
    {
        if (previous(i) is not { } before) return null;
        return updates[i] ??= parameters[i].Value.detach().sub(before).DetachFromDisposeScope();
    }

    /// <summary>Releases what was read (idempotent).</summary>
    public void Dispose()
    {
        for (int i = 0; i < grads.Length; i++) { grads[i]?.Dispose(); grads[i] = null; }
        for (int i = 0; i < updates.Length; i++) { updates[i]?.Dispose(); updates[i] = null; }
    }
}
