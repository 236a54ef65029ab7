using System.Globalization;
using System.Text.Json.Serialization;
using PhaseScope.Control;
using PhaseScope.Stability;
using PhaseScope.Training;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// What a grok run does about instability (docs/INSTABILITY.md, "Acting on instability"): <c>--on-instability</c>'s action
/// with its triggers, its learning-rate factor and floor and its quiet steps, and the ZClip baseline's z threshold. Stored in
/// settings.json only when one of them is on, and each later option only when given, so runs without them keep their
/// fingerprints.
/// </summary>
/// <param name="Action">warn, reduce-lr, skip or rollback (null: no controller).</param>
/// <param name="LearningRateFactor">The factor of reduce-lr and rollback (null with the other actions).</param>
/// <param name="ZClip">ZClip's z threshold (null: no ZClip).</param>
public sealed record InstabilitySettings(string? Action, double? LearningRateFactor, double? ZClip)
{
    /// <summary>The default factor of reduce-lr and rollback.</summary>
    public const double DefaultLearningRateFactor = 0.5;

    /// <summary>The <c>--instability-trigger</c> names, in the order the controller is given them.</summary>
    public static IReadOnlyList<string> TriggerNames { get; } = ["spike", "margin", "warning"];

    /// <summary><c>--instability-trigger</c>: the triggers, comma-separated in <see cref="TriggerNames"/>' order (null: the
    /// loss-spike rule, with the stability margin when <c>--stability</c> measures λ_max(P⁻¹H)).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Triggers { get; init; }

    /// <summary><c>--instability-lr-floor</c>: the lowest rate a cut sets (null: 1/100 of <c>--lr</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LearningRateFloor { get; init; }

    /// <summary><c>--instability-quiet</c>: the quiet steps that end an episode (null: <see cref="InstabilityController.DefaultQuietSteps"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? QuietSteps { get; init; }

    /// <summary>The trigger names in force: <see cref="Triggers"/>, or the default for a run with or without the stability
    /// probe's λ_max(P⁻¹H).</summary>
    public IReadOnlyList<string> TriggersInForce(bool preconditioned) =>
        Triggers is { } t ? t.Split(',') : preconditioned ? ["spike", "margin"] : ["spike"];

    /// <summary>The canonical form of a <c>--instability-trigger</c> list (lower case, known names, each once, in
    /// <see cref="TriggerNames"/>' order), or null when it names none or an unknown one.</summary>
    public static string? CanonicalTriggers(string list)
    {
        var names = list.Split(',', StringSplitOptions.TrimEntries).Select(n => n.ToLowerInvariant()).ToList();
        if (names.Count == 0 || names.Any(n => !TriggerNames.Contains(n))) return null;
        return string.Join(",", TriggerNames.Where(names.Contains));
    }

    /// <summary>Throws <see cref="UsageException"/> naming the bad option.</summary>
    /// <param name="trainer">The run's trainer options.</param>
    /// <param name="stability">Whether <c>--stability</c> is on (the risk probe runs).</param>
    /// <param name="preconditioned">Whether it measures λ_max(P⁻¹H) (<c>--stability-preconditioned-every</c> &gt; 0).</param>
    public void Validate(TrainerOptions trainer, bool stability, bool preconditioned)
    {
        var action = InstabilityActions.Parse(Action);
        if (Action is not null && action is null)
            throw new UsageException($"--on-instability {Action}: must be one of {string.Join(", ", InstabilityActions.Names)} (got '{Action}').");
        if (LearningRateFactor is not null && action is not (InstabilityAction.ReduceLearningRate or InstabilityAction.Rollback))
            throw new UsageException("--instability-lr-factor only applies with --on-instability reduce-lr or rollback; add one of them or drop it.");
        if (LearningRateFactor is double f && !(f is > 0 and < 1))
            throw new UsageException($"--instability-lr-factor {R(f)}: must lie strictly between 0 and 1 (got {R(f)}).");
        if (ZClip is double z && !(z > 0 && z <= 100))
            throw new UsageException($"--zclip {R(z)}: must be a z threshold in (0, 100], e.g. 2.5 (got {R(z)}).");
        if (action == InstabilityAction.Rollback && trainer.CheckpointEvery <= 0)
            throw new UsageException("--on-instability rollback restores the last resume point, and --checkpoint-every 0 writes none during the run: give --checkpoint-every N > 0 (e.g. 100).");
        ValidateEpisode(trainer, action, stability, preconditioned);
    }

    void ValidateEpisode(TrainerOptions trainer, InstabilityAction? action, bool stability, bool preconditioned)
    {
        if (action is null && (Triggers is not null || QuietSteps is not null || LearningRateFloor is not null))
            throw new UsageException($"{(Triggers is not null ? "--instability-trigger" : QuietSteps is not null ? "--instability-quiet" : "--instability-lr-floor")} only applies with --on-instability; add it or drop the option.");
        if (LearningRateFloor is not null && action is not (InstabilityAction.ReduceLearningRate or InstabilityAction.Rollback))
            throw new UsageException("--instability-lr-floor only applies with --on-instability reduce-lr or rollback; add one of them or drop it.");
        if (LearningRateFloor is double floor && !(floor > 0 && floor <= trainer.LearningRate))
            throw new UsageException($"--instability-lr-floor {R(floor)}: must be a rate in (0, --lr {R(trainer.LearningRate)}] (got {R(floor)}).");
        if (QuietSteps is int n && n is < 1 or > 1_000_000)
            throw new UsageException($"--instability-quiet {n}: must be 1 to 1,000,000 steps (got {n}).");
        if (Triggers is not { } t) return;
        if (CanonicalTriggers(t) != t)
            throw new UsageException($"--instability-trigger {t}: must be a comma-separated list of {string.Join(", ", TriggerNames)} (got '{t}').");
        if (t.Contains("margin", StringComparison.Ordinal) && !preconditioned)
            throw new UsageException("--instability-trigger margin reads λ_max(P⁻¹H): add --stability with --stability-preconditioned-every N > 0, or drop margin.");
        if (t.Contains("warning", StringComparison.Ordinal) && !stability)
            throw new UsageException("--instability-trigger warning reads the instability risk, which --stability computes: add --stability, or drop warning.");
    }

    /// <summary>The guard for a run whose loss probe records every <paramref name="probeEvery"/> steps at the schedule's rate
    /// <paramref name="learningRate"/> (recovery returns to it; the floor defaults to 1/100 of it); <paramref name="preconditioned"/>:
    /// the stability probe measures λ_max(P⁻¹H).</summary>
    public InstabilityGuard Guard(int probeEvery, bool preconditioned, double learningRate)
    {
        InstabilityController? controller = null;
        if (InstabilityActions.Parse(Action) is { } action)
        {
            var threshold = new InstabilityRiskOptions().WarningThreshold;   // the risk probe grok runs has the default options
            IInstabilityTrigger[] triggers = [.. TriggersInForce(preconditioned).Select(n => n switch
            {
                "spike" => new LossSpikeTrigger(probeEvery),
                "margin" => new StabilityMarginTrigger(),
                _ => (IInstabilityTrigger)new InstabilityWarningTrigger(threshold),
            })];
            controller = new InstabilityController(action, triggers, LearningRateFactor ?? DefaultLearningRateFactor,
                QuietSteps ?? InstabilityController.DefaultQuietSteps, learningRate, LearningRateFloor);
        }
        return new InstabilityGuard(controller, ZClip is double z ? new ZClip(z) : null);
    }

    /// <summary>Config-table entries (run store).</summary>
    public void AddTo(Dictionary<string, string> config)
    {
        if (Action is not null) config["on_instability"] = Action;
        if (InstabilityActions.Parse(Action) is InstabilityAction.ReduceLearningRate or InstabilityAction.Rollback)
            config["instability_lr_factor"] = R(LearningRateFactor ?? DefaultLearningRateFactor);
        if (Triggers is not null) config["instability_trigger"] = Triggers;
        if (LearningRateFloor is double floor) config["instability_lr_floor"] = R(floor);
        if (QuietSteps is int n) config["instability_quiet"] = n.ToString(CultureInfo.InvariantCulture);
        if (ZClip is double z) config["zclip"] = R(z);
    }

    static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
