using System.Globalization;
using PhaseScope.Monitoring;

namespace PhaseScope.Control;

/// <summary>
/// <c>--on-instability</c>: acts on what its triggers (<see cref="IInstabilityTrigger"/>) say, once per step, before the
/// step's update. Signals come from the previous step's readings (<see cref="AfterUpdate"/>) and this step's loss
/// (<see cref="BeforeUpdate"/>). The rule (docs/INSTABILITY.md, "Acting on instability"):
/// <list type="bullet">
/// <item>warn, skip and rollback act at an episode's onset (a signal with <see cref="InstabilitySignal.Onset"/>): warn
/// records <c>instability_noticed</c>; skip drops this step's update; rollback restores the last scheduled resume point,
/// multiplies the rate by <see cref="LearningRateFactor"/> and drops the update;</item>
/// <item>reduce-lr multiplies the rate by the factor at every unstable observation (onset or not) until no trigger is
/// <see cref="IInstabilityTrigger.Active"/>, then holds it;</item>
/// <item>after an action, the first step with no signal and no active trigger records <c>instability_recovered</c>.</item>
/// </list>
/// The controller decides; the training loop applies (<c>PhaseScope.Training.InstabilityGuard</c>). Its whole state
/// (<see cref="SaveState"/>) travels with a resume point, so a resumed run decides as the uninterrupted one.
/// </summary>
public sealed class InstabilityController
{
    readonly List<InstabilitySignal> pending = [];
    bool episode;

    /// <summary>Creates the controller.</summary>
    /// <param name="action">What to do.</param>
    /// <param name="triggers">What tells it (at least one; names distinct).</param>
    /// <param name="learningRateFactor">The factor of reduce-lr and rollback, in (0, 1).</param>
    public InstabilityController(InstabilityAction action, IReadOnlyList<IInstabilityTrigger> triggers, double learningRateFactor = 0.5)
    {
        if (!Enum.IsDefined(action)) throw new ArgumentOutOfRangeException(nameof(action), action, "Not an instability action.");
        if (triggers.Count == 0) throw new ArgumentException("The controller needs at least one trigger.", nameof(triggers));
        if (triggers.Select(t => t.Name).Distinct().Count() != triggers.Count) throw new ArgumentException("Trigger names must be distinct.", nameof(triggers));
        if (!(learningRateFactor is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(learningRateFactor), learningRateFactor, "The learning-rate factor must lie in (0, 1).");
        Action = action;
        Triggers = triggers;
        LearningRateFactor = learningRateFactor;
    }

    /// <summary>The action.</summary>
    public InstabilityAction Action { get; }
    /// <summary>The triggers.</summary>
    public IReadOnlyList<IInstabilityTrigger> Triggers { get; }
    /// <summary>The factor reduce-lr and rollback multiply the rate by.</summary>
    public double LearningRateFactor { get; }

    /// <summary>After step <paramref name="step"/>'s update and probes: the reading triggers look at what was published.</summary>
    public void AfterUpdate(long step, MonitorReadings readings)
    {
        foreach (var t in Triggers)
            if (t.AfterUpdate(step, readings) is { } s) pending.Add(s);
    }

    /// <summary>Before step <paramref name="step"/>'s update, with its loss and the rate in use: what to do (null: nothing).</summary>
    public InstabilityDecision? BeforeUpdate(long step, double loss, double learningRate)
    {
        foreach (var t in Triggers)
            if (t.BeforeUpdate(step, loss) is { } s) pending.Add(s);
        var signals = pending.ToList();
        pending.Clear();
        var acting = Action == InstabilityAction.ReduceLearningRate ? signals : signals.Where(s => s.Onset).ToList();
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        if (acting.Count == 0)
        {
            if (!episode || signals.Count > 0 || Triggers.Any(t => t.Active)) return null;
            episode = false;
            return new InstabilityDecision(step, InstabilityEvents.Recovered,
                $"Every trigger says stable again at step {step}{(Action == InstabilityAction.ReduceLearningRate ? $"; the learning rate is held at {F(learningRate)}" : "")}.");
        }
        episode = true;
        string why = string.Join("; ", acting.Select(s => $"{s.Trigger}: {s.Message}"));
        double lower = learningRate * LearningRateFactor;
        return Action switch
        {
            InstabilityAction.Warn => new InstabilityDecision(step, InstabilityEvents.Noticed, $"Instability ({why}); --on-instability warn takes no action."),
            InstabilityAction.ReduceLearningRate => new InstabilityDecision(step, InstabilityEvents.LearningRateReduced,
                $"Instability ({why}): learning rate {F(learningRate)} → {F(lower)} from this step's update on.") { LearningRate = lower },
            InstabilityAction.Skip => new InstabilityDecision(step, InstabilityEvents.StepSkipped,
                $"Instability ({why}): the update of step {step} is not applied.") { SkipUpdate = true },
            _ => new InstabilityDecision(step, InstabilityEvents.RolledBack,
                $"Instability ({why}): rolling back; learning rate {F(learningRate)} → {F(lower)}.") { LearningRate = lower, SkipUpdate = true, RollBack = true },
        };
    }

    /// <summary>Everything the controller and its triggers remember.</summary>
    public InstabilityState SaveState() => new()
    {
        Episode = episode, Pending = [.. pending],
        Triggers = Triggers.ToDictionary(t => t.Name, t => t.SaveState(), StringComparer.Ordinal),
    };

    /// <summary>Returns to a state written by <see cref="SaveState"/> of a controller with the same triggers.</summary>
    /// <exception cref="ArgumentException">The state names other triggers, or one's state does not fit.</exception>
    public void RestoreState(InstabilityState state)
    {
        var names = state.Triggers?.Keys.Order(StringComparer.Ordinal).ToList() ?? [];
        if (!names.SequenceEqual(Triggers.Select(t => t.Name).Order(StringComparer.Ordinal)))
            throw new ArgumentException($"The saved instability state is for the triggers {string.Join(", ", names)}, not {string.Join(", ", Triggers.Select(t => t.Name))}.", nameof(state));
        foreach (var t in Triggers) t.RestoreState(state.Triggers![t.Name]);
        episode = state.Episode;
        pending.Clear();
        pending.AddRange(state.Pending ?? []);
    }
}

/// <summary>What <see cref="InstabilityController"/> decided at one step, with the event that records it.</summary>
/// <param name="Step">The step.</param>
/// <param name="Kind">The event kind (<see cref="InstabilityEvents"/>).</param>
/// <param name="Message">The event text.</param>
public sealed record InstabilityDecision(long Step, string Kind, string Message)
{
    /// <summary>The learning rate from this step's update on, or null to keep it.</summary>
    public double? LearningRate { get; init; }
    /// <summary>Do not apply this step's update.</summary>
    public bool SkipUpdate { get; init; }
    /// <summary>Restore the last scheduled resume point first.</summary>
    public bool RollBack { get; init; }
}

/// <summary>The state of <see cref="InstabilityController"/> and of the ZClip baseline (<see cref="ZClip"/>) at a resume point.</summary>
public sealed record InstabilityState
{
    /// <summary>An action was taken and the triggers have not yet recovered.</summary>
    public bool Episode { get; init; }
    /// <summary>Signals of the last step's readings, not yet acted on.</summary>
    public IReadOnlyList<InstabilitySignal>? Pending { get; init; }
    /// <summary>Each trigger's <see cref="IInstabilityTrigger.SaveState"/>, by name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>>? Triggers { get; init; }
    /// <summary><see cref="ZClip.SaveState"/> (null without ZClip).</summary>
    public IReadOnlyList<double>? ZClip { get; init; }
}
