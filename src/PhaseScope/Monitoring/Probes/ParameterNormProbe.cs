namespace PhaseScope.Monitoring.Probes;

/// <summary>‖θ_t‖ after the step, global (<c>param_norm</c>) and per tensor; events
/// <c>non_finite_parameters</c> / <c>finite_parameters</c> on transitions to and from NaN or infinity.</summary>
public sealed class ParameterNormProbe : IProbe
{
    readonly NonFiniteWatch watch = new("parameters");
    readonly NormPass pass;
    readonly bool perTensor;

    /// <summary>Creates the probe (every step unless <paramref name="schedule"/> says otherwise).</summary>
    public ParameterNormProbe(ProbeSchedule? schedule = null, bool perTensor = true) : this(schedule, perTensor, null) { }

    /// <summary>Creates the probe measuring through <paramref name="pass"/>, shared with the other norm probes (null: its own).</summary>
    internal ParameterNormProbe(ProbeSchedule? schedule, bool perTensor, NormPass? pass)
    {
        Schedule = schedule ?? ProbeSchedule.Every(1);
        this.perTensor = perTensor;
        this.pass = pass ?? new NormPass();
        this.pass.Join(NormQuantity.Parameters, Schedule);
    }

    /// <inheritdoc />
    public string Name => "param_norm";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.None;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output) =>
        Norms.Write(output, "param_norm", context.Parameters, pass.Of(context, NormQuantity.Parameters), perTensor, watch);
}
