namespace PhaseScope.Monitoring.Probes;

/// <summary>‖g‖ after backward, global (<c>grad_norm</c>) and per tensor (<c>grad_norm/NAME</c>); events
/// <c>non_finite_gradient</c> / <c>finite_gradient</c> when gradients turn NaN or infinite and back.
/// Measured before gradient clipping when the trainer clips after <see cref="PhaseMonitor.AfterBackward"/>.</summary>
public sealed class GradientNormProbe : IProbe
{
    readonly NonFiniteWatch watch = new("gradient");
    readonly NormPass pass;
    readonly bool perTensor;

    /// <summary>Creates the probe (every step unless <paramref name="schedule"/> says otherwise).</summary>
    public GradientNormProbe(ProbeSchedule? schedule = null, bool perTensor = true) : this(schedule, perTensor, null) { }

    /// <summary>Creates the probe measuring through <paramref name="pass"/>, shared with the other norm probes (null: its own).</summary>
    internal GradientNormProbe(ProbeSchedule? schedule, bool perTensor, NormPass? pass)
    {
        Schedule = schedule ?? ProbeSchedule.Every(1);
        this.perTensor = perTensor;
        this.pass = pass ?? new NormPass();
        this.pass.Join(NormQuantity.Gradient, Schedule);
    }

    /// <inheritdoc />
    public string Name => "grad_norm";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Gradients;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output) =>
        Norms.Write(output, "grad_norm", context.Parameters, pass.Of(context, NormQuantity.Gradient), perTensor, watch);
}
