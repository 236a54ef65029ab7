using System.Globalization;
using PhaseScope.Monitoring;

namespace PhaseScope.Control;

/// <summary>
/// <c>--on-instability</c>: acts on what its triggers (<see cref="IInstabilityTrigger"/>) say, once per step, before the
/// step's update. Signals come from the previous step's readings (<see cref="AfterUpdate"/>) and this step's loss
/// (<see cref="BeforeUpdate"/>). The rule (docs/INSTABILITY.md, "Acting on instability"):
/// <list type="bullet">
/// <item>An <b>episode</b> starts with the first action and ends at the N-th step in a row (N = <see cref="QuietSteps"/>) at
/// which no trigger signalled and none was <see cref="IInstabilityTrigger.Active"/>; its end records
/// <c>instability_recovered</c>.</item>
/// <item>warn and skip act at every onset (a signal with <see cref="InstabilitySignal.Onset"/>): warn records
/// <c>instability_noticed</c>; skip drops this step's update.</item>
/// <item>The actions that cut the rate act <b>once per episode</b>: reduce-lr at the episode's first signal (onset or not),
/// rollback at its first onset (it restores the last scheduled resume point, cuts the rate and drops the update); later
/// signals of the same episode change nothing. A rollback takes the forecast's history back too, so on the replayed
/// trajectory the warning rises again within steps: acting on each such onset would roll back over and over.</item>
/// <item>A <b>cut</b> (reduce-lr, rollback) sets η ← max(η_floor, f·η) with f = <see cref="LearningRateFactor"/> and
/// η_floor = <see cref="LearningRateFloor"/> (a rate already at or below the floor is kept).</item>
/// <item><b>Recovery</b>: from the step after an episode ends, the rate returns to the schedule's η₀
/// (<see cref="ScheduleRate"/>) geometrically, η ← min(η₀, η·f^(−1/N)) per step with N = <see cref="QuietSteps"/>, so one
/// cut is undone in N steps; a new episode stops it. Without a schedule rate the rate is held.</item>
/// </list>
/// The controller decides; the training loop applies (<c>PhaseScope.Training.InstabilityGuard</c>). Its whole state
/// (<see cref="SaveState"/>) travels with a resume point, so a resumed run decides as the uninterrupted one.
/// </summary>
public sealed class InstabilityController
{
    /// <summary>The default N of <see cref="QuietSteps"/>.</summary>
    public const int DefaultQuietSteps = 50;
    /// <summary>The default floor as a share of the schedule's rate (1/100).</summary>
    public const double DefaultFloorShare = 0.01;

    readonly List<InstabilitySignal> pending = [];
    bool episode, cut, recovering;
    long lastUnstable = -1;

    /// <summary>Creates the controller.</summary>
    /// <param name="action">What to do.</param>
    /// <param name="triggers">What tells it (at least one; names distinct).</param>
    /// <param name="learningRateFactor">The factor f of a cut, in (0, 1).</param>
    /// <param name="quietSteps">N: quiet steps that end an episode (≥ 1), and the steps in which recovery undoes one cut.</param>
    /// <param name="scheduleRate">η₀, the rate the schedule would use and recovery returns to (null: no recovery, the rate is held).</param>
    /// <param name="learningRateFloor">The lowest rate a cut sets (null: <see cref="DefaultFloorShare"/> of η₀, or 0 without η₀).</param>
    public InstabilityController(InstabilityAction action, IReadOnlyList<IInstabilityTrigger> triggers, double learningRateFactor = 0.5,
        int quietSteps = DefaultQuietSteps, double? scheduleRate = null, double? learningRateFloor = null)
    {
        if (!Enum.IsDefined(action)) throw new ArgumentOutOfRangeException(nameof(action), action, "Not an instability action.");
        if (triggers.Count == 0) throw new ArgumentException("The controller needs at least one trigger.", nameof(triggers));
        if (triggers.Select(t => t.Name).Distinct().Count() != triggers.Count) throw new ArgumentException("Trigger names must be distinct.", nameof(triggers));
        if (!(learningRateFactor is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(learningRateFactor), learningRateFactor, "The learning-rate factor must lie in (0, 1).");
        if (quietSteps < 1) throw new ArgumentOutOfRangeException(nameof(quietSteps), quietSteps, "An episode ends after N ≥ 1 quiet steps.");
        if (scheduleRate is double s && !(s > 0 && double.IsFinite(s))) throw new ArgumentOutOfRangeException(nameof(scheduleRate), s, "The schedule's rate must be a finite number > 0.");
        if (learningRateFloor is double f && !(f >= 0 && double.IsFinite(f))) throw new ArgumentOutOfRangeException(nameof(learningRateFloor), f, "The learning-rate floor must be a finite number ≥ 0.");
        Action = action;
        Triggers = triggers;
        LearningRateFactor = learningRateFactor;
        QuietSteps = quietSteps;
        ScheduleRate = scheduleRate;
        LearningRateFloor = learningRateFloor ?? (scheduleRate is double r ? r * DefaultFloorShare : 0);
    }

    /// <summary>The action.</summary>
    public InstabilityAction Action { get; }
    /// <summary>The triggers.</summary>
    public IReadOnlyList<IInstabilityTrigger> Triggers { get; }
    /// <summary>The factor f a cut multiplies the rate by.</summary>
    public double LearningRateFactor { get; }
    /// <summary>N: the quiet steps that end an episode.</summary>
    public int QuietSteps { get; }
    /// <summary>η₀: the rate recovery returns to (null: none; the rate is held).</summary>
    public double? ScheduleRate { get; }
    /// <summary>The lowest rate a cut sets.</summary>
    public double LearningRateFloor { get; }

    /// <summary>After step <paramref name="step"/>'s update and probes: the reading triggers look at what was published.</summary>
    public void AfterUpdate(long step, MonitorReadings readings)
    {
        foreach (var t in Triggers)
            if (t.AfterUpdate(step, readings) is { } s) pending.Add(s);
    }

    /// <summary>Before step <paramref name="step"/>'s update, with its loss and the rate in use: what to do (null: nothing). A
    /// decision without <see cref="InstabilityDecision.Kind"/> is a recovery step: a new rate and no event.</summary>
    public InstabilityDecision? BeforeUpdate(long step, double loss, double learningRate)
    {
        foreach (var t in Triggers)
            if (t.BeforeUpdate(step, loss) is { } s) pending.Add(s);
        var signals = pending.ToList();
        pending.Clear();
        if (signals.Count > 0 || Triggers.Any(t => t.Active)) lastUnstable = step;
        var acting = cut ? [] : Action == InstabilityAction.ReduceLearningRate ? signals : signals.Where(s => s.Onset).ToList();
        if (acting.Count > 0) return Act(step, acting, learningRate);
        if (episode) return step - lastUnstable >= QuietSteps ? EndEpisode(step, learningRate) : null;
        return recovering ? Recover(step, learningRate) : null;
    }

    InstabilityDecision Act(long step, List<InstabilitySignal> acting, double learningRate)
    {
        episode = true;
        recovering = false;
        cut |= Action is InstabilityAction.ReduceLearningRate or InstabilityAction.Rollback;
        string why = string.Join("; ", acting.Select(s => $"{s.Trigger}: {s.Message}"));
        double lower = learningRate <= LearningRateFloor ? learningRate : Math.Max(LearningRateFloor, learningRate * LearningRateFactor);
        string floor = lower == LearningRateFloor ? " (the floor)" : "";
        return Action switch
        {
            InstabilityAction.Warn => new InstabilityDecision(step, InstabilityEvents.Noticed, $"Instability ({why}); --on-instability warn takes no action."),
            InstabilityAction.ReduceLearningRate => new InstabilityDecision(step, InstabilityEvents.LearningRateReduced,
                $"Instability ({why}): learning rate {F(learningRate)} → {F(lower)}{floor} from this step's update on, once in this episode.") { LearningRate = lower },
            InstabilityAction.Skip => new InstabilityDecision(step, InstabilityEvents.StepSkipped,
                $"Instability ({why}): the update of step {step} is not applied.") { SkipUpdate = true },
            _ => new InstabilityDecision(step, InstabilityEvents.RolledBack,
                $"Instability ({why}): rolling back; learning rate {F(learningRate)} → {F(lower)}{floor}.") { LearningRate = lower, SkipUpdate = true, RollBack = true },
        };
    }

    InstabilityDecision EndEpisode(long step, double learningRate)
    {
        episode = false;
        cut = false;
        recovering = ScheduleRate is double s && learningRate < s;
        string rate = recovering ? $"; the learning rate returns from {F(learningRate)} to {F(ScheduleRate!.Value)}, × {F(RecoveryRatio)} per step"
            : ScheduleRate is null && Action is InstabilityAction.ReduceLearningRate or InstabilityAction.Rollback ? $"; the learning rate is held at {F(learningRate)}" : "";
        return new InstabilityDecision(step, InstabilityEvents.Recovered, $"Every trigger has been quiet for {QuietSteps} steps at step {step}{rate}.");
    }

    InstabilityDecision Recover(long step, double learningRate)
    {
        double target = ScheduleRate!.Value, next = learningRate * RecoveryRatio;
        if (next >= target) (next, recovering) = (target, false);
        return new InstabilityDecision(step, null, "") { LearningRate = next };
    }

    /// <summary>f^(−1/N): the per-step factor of recovery.</summary>
    double RecoveryRatio => Math.Pow(LearningRateFactor, -1.0 / QuietSteps);

    static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>Everything the controller and its triggers remember.</summary>
    public InstabilityState SaveState() => new()
    {
        Episode = episode, Pending = [.. pending], LastUnstable = lastUnstable, Cut = cut, Recovering = recovering,
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
        (episode, lastUnstable, cut, recovering) = (state.Episode, state.LastUnstable ?? -1, state.Cut, state.Recovering);
        pending.Clear();
        pending.AddRange(state.Pending ?? []);
    }
}

/// <summary>What <see cref="InstabilityController"/> decided at one step, with the event that records it.</summary>
/// <param name="Step">The step.</param>
/// <param name="Kind">The event kind (<see cref="InstabilityEvents"/>; null: a recovery step, which records no event).</param>
/// <param name="Message">The event text.</param>
public sealed record InstabilityDecision(long Step, string? Kind, string Message)
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
    /// <summary>The last step at which a trigger signalled or was active (-1: none; absent in older points).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? LastUnstable { get; init; }
    /// <summary>reduce-lr or rollback has cut the rate in the running episode.</summary>
    public bool Cut { get; init; }
    /// <summary>The rate is returning to the schedule's after an episode.</summary>
    public bool Recovering { get; init; }
    /// <summary>Signals of the last step's readings, not yet acted on.</summary>
    public IReadOnlyList<InstabilitySignal>? Pending { get; init; }
    /// <summary>Each trigger's <see cref="IInstabilityTrigger.SaveState"/>, by name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>>? Triggers { get; init; }
    /// <summary><see cref="ZClip.SaveState"/> (null without ZClip).</summary>
    public IReadOnlyList<double>? ZClip { get; init; }
}
