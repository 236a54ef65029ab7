namespace PhaseScope.Monitoring.Probes;

/// <summary>‖g‖ after backward, global (<c>grad_norm</c>) and per tensor (<c>grad_norm/NAME</c>); events
/// <c>non_finite_gradient</c> / <c>finite_gradient</c> when gradients turn NaN or infinite and back.
/// Measured before gradient clipping when the trainer clips after <see cref="PhaseMonitor.AfterBackward"/>.</summary>
public sealed class GradientNormProbe(ProbeSchedule? schedule = null, bool perTensor = true) : IProbe
{
    readonly NonFiniteWatch watch = new("gradient");

    /// <inheritdoc />
    public string Name => "grad_norm";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Gradients;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; } = schedule ?? ProbeSchedule.Every(1);

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output) =>
        Norms.Write(output, "grad_norm", context.Parameters, context.Gradient, perTensor, watch);
}
