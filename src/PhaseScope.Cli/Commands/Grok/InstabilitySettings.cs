using System.Globalization;
using PhaseScope.Control;
using PhaseScope.Training;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// What a grok run does about instability (docs/INSTABILITY.md, "Acting on instability"): <c>--on-instability</c>'s action
/// with its learning-rate factor, and the ZClip baseline's z threshold. Stored in settings.json only when one of them is
/// on, so runs without them keep their fingerprints.
/// </summary>
/// <param name="Action">warn, reduce-lr, skip or rollback (null: no controller).</param>
/// <param name="LearningRateFactor">The factor of reduce-lr and rollback (null with the other actions).</param>
/// <param name="ZClip">ZClip's z threshold (null: no ZClip).</param>
public sealed record InstabilitySettings(string? Action, double? LearningRateFactor, double? ZClip)
{
    /// <summary>The default factor of reduce-lr and rollback.</summary>
    public const double DefaultLearningRateFactor = 0.5;

    /// <summary>Throws <see cref="UsageException"/> naming the bad option.</summary>
    public void Validate(TrainerOptions trainer)
    {
        var action = InstabilityActions.Parse(Action);
        if (Action is not null && action is null)
            throw new UsageException($"--on-instability {Action}: must be one of {string.Join(", ", InstabilityActions.Names)} (got '{Action}').");
        if (LearningRateFactor is not null && action is not (InstabilityAction.ReduceLearningRate or InstabilityAction.Rollback))
            throw new UsageException("--instability-lr-factor only applies with --on-instability reduce-lr or rollback; add one of them or drop it.");
        if (LearningRateFactor is double f && !(f is > 0 and < 1))
            throw new UsageException($"--instability-lr-factor {f.ToString("R", CultureInfo.InvariantCulture)}: must lie strictly between 0 and 1 (got {f.ToString("R", CultureInfo.InvariantCulture)}).");
        if (ZClip is double z && !(z > 0 && z <= 100))
            throw new UsageException($"--zclip {z.ToString("R", CultureInfo.InvariantCulture)}: must be a z threshold in (0, 100], e.g. 2.5 (got {z.ToString("R", CultureInfo.InvariantCulture)}).");
        if (action == InstabilityAction.Rollback && trainer.CheckpointEvery <= 0)
            throw new UsageException("--on-instability rollback restores the last resume point, and --checkpoint-every 0 writes none during the run: give --checkpoint-every N > 0 (e.g. 100).");
    }

    /// <summary>The guard for a run whose loss probe records every <paramref name="probeEvery"/> steps; the margin
    /// trigger joins the loss-spike trigger when <paramref name="margin"/> (the stability probe measures λ_max(P⁻¹H)).</summary>
    public InstabilityGuard Guard(int probeEvery, bool margin)
    {
        InstabilityController? controller = null;
        if (InstabilityActions.Parse(Action) is { } action)
        {
            IInstabilityTrigger[] triggers = margin ? [new LossSpikeTrigger(probeEvery), new StabilityMarginTrigger()] : [new LossSpikeTrigger(probeEvery)];
            controller = new InstabilityController(action, triggers, LearningRateFactor ?? DefaultLearningRateFactor);
        }
        return new InstabilityGuard(controller, ZClip is double z ? new ZClip(z) : null);
    }

    /// <summary>Config-table entries (run store).</summary>
    public void AddTo(Dictionary<string, string> config)
    {
        if (Action is not null) config["on_instability"] = Action;
        if (InstabilityActions.Parse(Action) is InstabilityAction.ReduceLearningRate or InstabilityAction.Rollback)
            config["instability_lr_factor"] = (LearningRateFactor ?? DefaultLearningRateFactor).ToString("R", CultureInfo.InvariantCulture);
        if (ZClip is double z) config["zclip"] = z.ToString("R", CultureInfo.InvariantCulture);
    }
}
