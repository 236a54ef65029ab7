namespace PhaseScope.Monitoring.Probes;

/// <summary>The update size ‖θ_t − θ_{t−1}‖, global (<c>update_norm</c>) and per tensor.</summary>
public sealed class UpdateSizeProbe(ProbeSchedule? schedule = null, bool perTensor = true) : IProbe
{
    /// <inheritdoc />
    public string Name => "update_norm";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Update;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; } = schedule ?? ProbeSchedule.Every(1);

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output) =>
        Norms.WriteDistances(output, "update_norm", context.Parameters, i => context.Parameters[i].Value, context.Previous, perTensor);
}
