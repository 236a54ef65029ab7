using System.Globalization;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;

namespace PhaseScope.Control;

/// <summary>
/// The run diagnosis's loss-spike rule as a trigger: a <see cref="LossSpikeDetector"/> with the diagnosis's settings, fed
/// the step loss on the schedule the loss probe records it (every <see cref="Every"/> steps), so it fires at the steps
/// where the diagnosis records <c>loss_spike</c>. Onset: the detector's spike start; while the spike runs every further
/// observation signals too; <see cref="Active"/> until the detector ends the spike. Its state is the observations seen
/// (step and loss), replayed into a fresh detector on restore: the detector is a deterministic function of them.
/// </summary>
public sealed class LossSpikeTrigger : IInstabilityTrigger
{
    readonly List<(long Step, double Loss)> seen = [];
    LossSpikeDetector detector = new();

    /// <summary>Creates the trigger; it observes steps that are multiples of <paramref name="every"/>.</summary>
    public LossSpikeTrigger(int every = 1)
    {
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "The loss is observed every N ≥ 1 steps.");
        Every = every;
    }

    /// <summary>The observation interval in steps (grok's --probe-every, the loss probe's).</summary>
    public int Every { get; }

    /// <inheritdoc />
    public string Name => "loss_spike";

    /// <inheritdoc />
    public bool Active => detector.Current is not null;

    /// <summary>The spikes found so far.</summary>
    public IReadOnlyList<LossSpike> Spikes => detector.Spikes;

    /// <inheritdoc />
    public InstabilitySignal? BeforeUpdate(long step, double loss)
    {
        if (step % Every != 0 || !double.IsFinite(loss)) return null;   // the detector ignores a non-finite loss
        seen.Add((step, loss));
        var change = detector.Observe(step, loss);
        if (detector.Current is not { } spike) return null;
        bool onset = change.HasFlag(LossSpikeDetector.Change.SpikeStarted);
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        return new InstabilitySignal(step, Name, onset, onset
            ? $"loss {F(loss)} at step {step} is {F(loss / spike.BaselineLoss)}× its median {F(spike.BaselineLoss)} (the diagnosis's loss-spike rule)"
            : $"loss {F(loss)} at step {step} is still in the spike that began at step {spike.Onset} ({F(loss / spike.BaselineLoss)}× its baseline)");
    }

    /// <inheritdoc />
    public InstabilitySignal? AfterUpdate(long step, MonitorReadings readings) => null;

    /// <inheritdoc />
    /// <remarks>Step and loss of every observation, interleaved.</remarks>
    public IReadOnlyList<double> SaveState() => [.. seen.SelectMany(x => new[] { (double)x.Step, x.Loss })];

    /// <inheritdoc />
    public void RestoreState(IReadOnlyList<double> state)
    {
        if (state.Count % 2 != 0) throw new ArgumentException($"A loss-spike trigger's state holds (step, loss) pairs; got {state.Count} numbers.", nameof(state));
        seen.Clear();
        detector = new LossSpikeDetector();
        for (int i = 0; i < state.Count; i += 2)
        {
            long step = checked((long)state[i]);
            if (step != state[i] || step % Every != 0 || !double.IsFinite(state[i + 1]))
                throw new ArgumentException($"A loss-spike trigger's state holds an observation at step {state[i]} that this trigger (every {Every} steps) cannot have made.", nameof(state));
            seen.Add((step, state[i + 1]));
            detector.Observe(step, state[i + 1]);
        }
    }
}
