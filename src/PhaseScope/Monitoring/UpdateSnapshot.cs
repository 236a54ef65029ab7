using static TorchSharp.torch;

namespace PhaseScope.Monitoring;

/// <summary>
/// θ_{t−1} for the update probes: the watched parameters copied into buffers kept across steps (allocated on first use,
/// refreshed with <c>copy_</c>) before the optimizer step, so a probe after it sees θ_t − θ_{t−1}.
/// </summary>
internal sealed class UpdateSnapshot : IDisposable
{
    Tensor[]? previous;

    /// <summary>Whether the buffers hold this step's θ_{t−1}.</summary>
    public bool Valid { get; private set; }

    /// <summary>Copies the parameters; on failure (e.g. a parameter replaced by one of another shape) drops the buffers,
    /// which are reallocated next time, and returns the exception.</summary>
    public Exception? Take(IReadOnlyList<NamedParameter> parameters)
    {
        try
        {
            using var _ = no_grad();
            if (previous is null)
                previous = parameters.Select(p => p.Value.detach().clone().DetachFromDisposeScope()).ToArray();
            else
                for (int i = 0; i < previous.Length; i++) previous[i].copy_(parameters[i].Value);
            Valid = true;
            return null;
        }
        catch (Exception e)
        {
            Drop();
            return e;
        }
    }

    /// <summary>θ_{t−1} of parameter <paramref name="index"/>, or null when the snapshot is not valid.</summary>
    public Tensor? Previous(int index) => Valid ? previous![index] : null;

    /// <summary>The step is over: the buffers no longer hold its θ_{t−1}.</summary>
    public void Invalidate() => Valid = false;

    /// <summary>Releases the buffers (the watched set changed).</summary>
    public void Drop()
    {
        Valid = false;
        if (previous is null) return;
        foreach (var t in previous) t.Dispose();
        previous = null;
    }

    /// <inheritdoc />
    public void Dispose() => Drop();
}
