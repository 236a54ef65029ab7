using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Control;

/// <summary>
/// The optimizer's stability margin as a trigger (docs/INSTABILITY.md, "Thresholds"): unstable when a fresh
/// <see cref="StabilityReading"/> has margin = threshold − λ_max(P⁻¹H) &lt; 0, the frozen-preconditioner iteration then being
/// linearly unstable. Onset at the first negative reading after a non-negative one (or none); every further negative
/// reading signals too; <see cref="Active"/> while the latest margin is negative. A NaN margin (not measured at that step,
/// or no margin applies, as under Muon) is not a reading. State: the step and margin of the last reading seen.
/// </summary>
public sealed class StabilityMarginTrigger : IInstabilityTrigger
{
    long lastStep = -1;
    double lastMargin = double.NaN;

    /// <inheritdoc />
    public string Name => "stability_margin";

    /// <inheritdoc />
    public bool Active => lastMargin < 0;

    /// <inheritdoc />
    public InstabilitySignal? BeforeUpdate(long step, double loss) => null;

    /// <inheritdoc />
    public InstabilitySignal? AfterUpdate(long step, MonitorReadings readings)
    {
        if (readings.Latest<StabilityReading>() is not { } r || r.Step <= lastStep || double.IsNaN(r.Margin)) return null;
        bool wasActive = Active;
        lastStep = r.Step;
        lastMargin = r.Margin;
        if (!Active) return null;
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        return new InstabilitySignal(r.Step, Name, !wasActive,
            $"stability margin {F(r.Margin)} < 0 at step {r.Step} (λ_max(P⁻¹H) = {F(r.PreconditionedLambdaMax)} above the optimizer's threshold)");
    }

    /// <inheritdoc />
    public IReadOnlyList<double> SaveState() => [lastStep, lastMargin];

    /// <inheritdoc />
    public void RestoreState(IReadOnlyList<double> state)
    {
        if (state.Count != 2 || state[0] != Math.Floor(state[0]) || state[0] < -1)
            throw new ArgumentException($"A stability-margin trigger's state is (last step, last margin); got {state.Count} numbers.", nameof(state));
        lastStep = (long)state[0];
        lastMargin = state[1];
    }
}
