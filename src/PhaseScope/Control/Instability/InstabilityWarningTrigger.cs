using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Stability;

namespace PhaseScope.Control;

/// <summary>
/// The instability forecast as a trigger (docs/INSTABILITY.md, "The instability forecast, measured"): it reads each fresh
/// <see cref="InstabilityRiskReading"/> after a step, so the controller can act before a spike rather than after it. Onset:
/// a reading that raises <c>instability_warning</c> (<see cref="InstabilityRiskReading.Warning"/>: the risk reaching the
/// warning threshold from below, outside the refractory period). Every further fresh reading at or above the threshold
/// signals too, without onset; <see cref="Active"/> while the latest risk is at or above it. A NaN risk (no part defined
/// yet) is not a reading. State: the step and risk of the last reading seen.
/// </summary>
/// <param name="warningThreshold">The risk probe's warning threshold (<see cref="InstabilityRiskOptions.WarningThreshold"/>).</param>
public sealed class InstabilityWarningTrigger(double warningThreshold = 1) : IInstabilityTrigger
{
    long lastStep = -1;
    double lastRisk = double.NaN;

    /// <summary>The risk at and above which the trigger is active.</summary>
    public double WarningThreshold { get; } = warningThreshold > 0 && double.IsFinite(warningThreshold) ? warningThreshold
        : throw new ArgumentOutOfRangeException(nameof(warningThreshold), warningThreshold, "The warning threshold must be a finite number > 0.");

    /// <inheritdoc />
    public string Name => "instability_warning";

    /// <inheritdoc />
    public bool Active => lastRisk >= WarningThreshold;

    /// <inheritdoc />
    public InstabilitySignal? BeforeUpdate(long step, double loss) => null;

    /// <inheritdoc />
    public InstabilitySignal? AfterUpdate(long step, MonitorReadings readings)
    {
        if (readings.Latest<InstabilityRiskReading>() is not { } r || r.Step <= lastStep || double.IsNaN(r.Risk)) return null;
        lastStep = r.Step;
        lastRisk = r.Risk;
        if (!r.Warning && !Active) return null;
        string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
        return new InstabilitySignal(r.Step, Name, r.Warning, r.Warning
            ? $"instability risk {F(r.Risk)} ≥ {F(WarningThreshold)} at step {r.Step} ({r.Cause}; the forecast's warning)"
            : $"instability risk {F(r.Risk)} still ≥ {F(WarningThreshold)} at step {r.Step}");
    }

    /// <inheritdoc />
    public IReadOnlyList<double> SaveState() => [lastStep, lastRisk];

    /// <inheritdoc />
    public void RestoreState(IReadOnlyList<double> state)
    {
        if (state.Count != 2 || state[0] != Math.Floor(state[0]) || state[0] < -1)
            throw new ArgumentException($"An instability-warning trigger's state is (last step, last risk); got {state.Count} numbers.", nameof(state));
        lastStep = (long)state[0];
        lastRisk = state[1];
    }
}
