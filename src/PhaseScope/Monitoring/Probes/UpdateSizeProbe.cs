namespace PhaseScope.Monitoring.Probes;

/// <summary>The update size ‖θ_t − θ_{t−1}‖, global (<c>update_norm</c>) and per tensor; events
/// <c>non_finite_update</c> / <c>finite_update</c> on transitions to and from NaN or infinity.</summary>
public sealed class UpdateSizeProbe(ProbeSchedule? schedule = null, bool perTensor = true) : IProbe
{
    readonly NonFiniteWatch watch = new("update");

    /// <inheritdoc />
    public string Name => "update_norm";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Update;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; } = schedule ?? ProbeSchedule.Every(1);

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output) =>
        Norms.WriteDistances(output, "update_norm", context.Parameters, i => context.Parameters[i].Value, context.Previous, perTensor, watch);
}
