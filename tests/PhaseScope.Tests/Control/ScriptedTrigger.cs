using PhaseScope.Control;
using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Control;

/// <summary>A trigger that says unstable at the steps it is given (an onset at the first of each run of consecutive steps),
/// active exactly at those steps: the tests' way of making an action happen where they want it.</summary>
sealed class ScriptedTrigger(params long[] steps) : IInstabilityTrigger
{
    readonly HashSet<long> at = [.. steps];
    long last = -1;

    public string Name => "scripted";
    public bool Active => at.Contains(last);

    public InstabilitySignal? BeforeUpdate(long step, double loss)
    {
        last = step;
        return at.Contains(step) ? new InstabilitySignal(step, Name, !at.Contains(step - 1), $"scripted at step {step}") : null;
    }

    public InstabilitySignal? AfterUpdate(long step, MonitorReadings readings) => null;
    public IReadOnlyList<double> SaveState() => [last];
    public void RestoreState(IReadOnlyList<double> state) => last = (long)state[0];
}
