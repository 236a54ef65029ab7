namespace PhaseScope.Monitoring.Probes;

/// <summary>The step's mini-batch loss (metric <c>loss</c>).</summary>
public sealed class LossProbe(ProbeSchedule? schedule = null) : IProbe
{
    /// <inheritdoc />
    public string Name => "loss";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Loss;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; } = schedule ?? ProbeSchedule.Every(1);

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        if (context.Loss is double loss) output.Metric("loss", loss);
    }
}
