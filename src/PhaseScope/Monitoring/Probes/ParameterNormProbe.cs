namespace PhaseScope.Monitoring.Probes;

/// <summary>‖θ_t‖ after the step, global (<c>param_norm</c>) and per tensor; events
/// <c>non_finite_parameters</c> / <c>finite_parameters</c> on transitions to and from NaN or infinity.</summary>
public sealed class ParameterNormProbe(ProbeSchedule? schedule = null, bool perTensor = true) : IProbe
{
    readonly NonFiniteWatch watch = new("parameters");

    /// <inheritdoc />
    public string Name => "param_norm";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.None;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; } = schedule ?? ProbeSchedule.Every(1);

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output) =>
        Norms.Write(output, "param_norm", context.Parameters, i => context.Parameters[i].Value, perTensor, watch);
}
