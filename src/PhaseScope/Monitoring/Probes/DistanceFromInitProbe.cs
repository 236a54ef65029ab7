using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Distance from initialisation ‖θ_t − θ_0‖, global (<c>dist_from_init</c>) and per tensor.
/// θ_0 is copied when the monitor is created (before the first step); the copy costs one
/// parameter set of memory on the parameters' device. When the watched set changes (the monitor attaches again),
/// tensors that keep their name and shape keep their θ_0; a new tensor's θ_0 is its value when it appeared.
/// </summary>
public sealed class DistanceFromInitProbe : IAttachableProbe, IResumableProbe, IDisposable
{
    readonly NormPass pass;
    readonly bool perTensor;
    Tensor[]? initial;
    string[] names = [];

    /// <summary>Creates the probe (every step unless <paramref name="schedule"/> says otherwise).</summary>
    public DistanceFromInitProbe(ProbeSchedule? schedule = null, bool perTensor = true) : this(schedule, perTensor, null) { }

    /// <summary>Creates the probe measuring through <paramref name="pass"/>, shared with the other norm probes (null: its own).</summary>
    internal DistanceFromInitProbe(ProbeSchedule? schedule, bool perTensor, NormPass? pass)
    {
        Schedule = schedule ?? ProbeSchedule.Every(1);
        this.perTensor = perTensor;
        this.pass = pass ?? new NormPass();
        this.pass.Join(NormQuantity.FromInit, Schedule);
        this.pass.UseInitial(i => initial is { } t && i < t.Length ? t[i] : null);
    }

    /// <inheritdoc />
    public string Name => "dist_from_init";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.None;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }

    /// <inheritdoc />
    public void Attach(IReadOnlyList<NamedParameter> parameters)
    {
        using var _ = no_grad();
        var kept = new Dictionary<string, Tensor>();
        if (initial is not null)
            for (int i = 0; i < initial.Length; i++) kept[names[i]] = initial[i];
        var next = new Tensor[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (kept.Remove(p.Name, out var old))
            {
                if (old.shape.SequenceEqual(p.Value.shape)) { next[i] = old; continue; }
                old.Dispose();
            }
            next[i] = p.Value.detach().clone().DetachFromDisposeScope();
        }
        foreach (var unused in kept.Values) unused.Dispose();
        initial = next;
        names = parameters.Select(p => p.Name).ToArray();
    }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        if (initial is null || initial.Length != context.Parameters.Count)
            throw new InvalidOperationException("The parameter set changed since the monitor was created; distance from initialisation is undefined.");
        Norms.Write(output, "dist_from_init", context.Parameters, pass.Of(context, NormQuantity.FromInit), perTensor);
    }

    /// <inheritdoc />
    public void SaveState(ProbeState state)
    {
        if (initial is null) return;
        for (int i = 0; i < initial.Length; i++) state.SetTensor("theta0:" + names[i], initial[i]);
    }

    /// <inheritdoc />
    /// <remarks>θ₀ of every tensor found under its name with its shape is restored; others keep the value they had when attached.</remarks>
    public void LoadState(ProbeState state)
    {
        if (initial is null) return;
        for (int i = 0; i < initial.Length; i++)
            if (state.Tensor("theta0:" + names[i]) is { } saved)
            {
                if (!saved.shape.SequenceEqual(initial[i].shape) || saved.dtype != initial[i].dtype)
                    throw new InvalidDataException($"θ₀ of '{names[i]}' was saved as {saved.dtype} [{string.Join(", ", saved.shape)}], the parameter is {initial[i].dtype} [{string.Join(", ", initial[i].shape)}].");
                initial[i].copy_(saved);
            }
    }

    /// <summary>Releases θ_0.</summary>
    public void Dispose()
    {
        if (initial is null) return;
        foreach (var t in initial) t.Dispose();
        initial = null;
    }
}
