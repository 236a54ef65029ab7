using PhaseScope.Stability;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Softmax absorption at every evaluation (docs/INSTABILITY.md; <see cref="SoftmaxAbsorption"/>): on the training examples of
/// an <see cref="ILogitSource"/>, the share whose correct-class gradient is exactly 0 in the logits' dtype, the share the
/// float64 rule S ≤ u predicts, and the largest and median logit margin z_c − max_{j≠c} z_j. Publishes
/// <see cref="AbsorptionReading"/>. One forward pass over the source's examples, no graph. Its latest reading travels with a
/// resume point and is republished (<see cref="IResumableProbe"/>), so the instability risk reads the same absorbed share
/// after a resume or a rollback as it would have.
/// </summary>
public sealed class AbsorptionProbe(ILogitSource logits) : IResumableProbe
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

    /// <inheritdoc />
    public void SaveState(ProbeState state)
    {
        if (Latest is not { } l) return;
        state.Set("latest_step", l.Step);
        state.Set("latest_examples", l.Reading.Examples);
        state.Set("latest_absorbed", l.Reading.AbsorbedFraction);
        state.Set("latest_rule", l.Reading.RuleFraction);
        state.Set("latest_largest_margin", l.Reading.LargestMargin);
        state.Set("latest_median_margin", l.Reading.MedianMargin);
    }

    /// <inheritdoc />
    public void LoadState(ProbeState state) =>
        Latest = state.Long("latest_step") is long step
            ? (step, new AbsorptionReading(state.Long("latest_examples") ?? 0, state.Double("latest_absorbed") ?? double.NaN, state.Double("latest_rule") ?? double.NaN,
                state.Double("latest_largest_margin") ?? double.NaN, state.Double("latest_median_margin") ?? double.NaN))
            : null;

    /// <inheritdoc />
    public void Republish(MonitorReadings readings)
    {
        if (Latest is { } l) readings.Publish(l.Reading);
    }
}
