namespace PhaseScope.Monitoring.Probes;

/// <summary>The update size ‖θ_t − θ_{t−1}‖, global (<c>update_norm</c>) and per tensor; events
/// <c>non_finite_update</c> / <c>finite_update</c> on transitions to and from NaN or infinity.</summary>
public sealed class UpdateSizeProbe : IProbe
{
    readonly NonFiniteWatch watch = new("update");
    readonly NormPass pass;
    readonly bool perTensor;

    /// <summary>Creates the probe (every step unless <paramref name="schedule"/> says otherwise).</summary>
    public UpdateSizeProbe(ProbeSchedule? schedule = null, bool perTensor = true) : this(schedule, perTensor, null) { }

    /// <summary>Creates the probe measuring through <paramref name="pass"/>, shared with the other norm probes (null: its own).</summary>
    internal UpdateSizeProbe(ProbeSchedule? schedule, bool perTensor, NormPass? pass)
    {
        Schedule = schedule ?? ProbeSchedule.Every(1);
        this.perTensor = perTensor;
        this.pass = pass ?? new NormPass();
        this.pass.Join(NormQuantity.Update, Schedule);
    }

    /// <inheritdoc />
    public string Name => "update_norm";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Update;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output) =>
        Norms.Write(output, "update_norm", context.Parameters, pass.Of(context, NormQuantity.Update), perTensor, watch);
}
