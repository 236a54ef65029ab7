using PhaseScope.Stability;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Softmax absorption at every evaluation (docs/INSTABILITY.md; <see cref="SoftmaxAbsorption"/>): on the training examples of
/// an <see cref="ILogitSource"/>, the share whose correct-class gradient is exactly 0 in the logits' dtype, the share the
/// float64 rule S ≤ u predicts, and the largest and median logit margin z_c − max_{j≠c} z_j. Publishes
/// <see cref="AbsorptionReading"/>. One forward pass over the source's examples, no graph.
/// </summary>
public sealed class AbsorptionProbe(ILogitSource logits) : IProbe
{
    /// <inheritdoc />
    public string Name => "absorption";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Evaluation;
    /// <inheritdoc />
    public ProbeSchedule Schedule => ProbeSchedule.OnEvaluation;
    /// <inheritdoc />
    public IReadOnlyList<Type> Publishes => [typeof(AbsorptionReading)];
    /// <summary>The latest reading with its step (null before the first).</summary>
    public (long Step, AbsorptionReading Reading)? Latest { get; private set; }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        var (z, y) = logits.TrainingLogits();
        var reading = SoftmaxAbsorption.Measure(z, y);
        output.MetricIfFinite(StabilityMetrics.AbsorbedFraction, reading.AbsorbedFraction);
        output.MetricIfFinite(StabilityMetrics.AbsorbedRuleFraction, reading.RuleFraction);
        output.MetricIfFinite(StabilityMetrics.LargestMargin, reading.LargestMargin);
        output.MetricIfFinite(StabilityMetrics.MedianMargin, reading.MedianMargin);
        Latest = (context.Step, reading);
        context.Readings.Publish(reading);
    }
}
