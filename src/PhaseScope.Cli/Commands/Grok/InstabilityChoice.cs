using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Control;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options for acting on instability, bound in one place: <c>--on-instability warn|reduce-lr|skip|rollback</c>
/// (<see cref="InstabilityController"/>: triggered by the diagnosis's loss-spike rule, and by the stability margin below 0
/// with <c>--stability</c>, or by the triggers <c>--instability-trigger</c> lists), <c>--instability-lr-factor</c>,
/// <c>--instability-lr-floor</c>, <c>--instability-quiet</c>, and the ZClip baseline <c>--zclip Z</c>. Off by default: nothing
/// is then written to settings.json, so fingerprints do not change.
/// </summary>
public sealed class InstabilityChoice : IGrokModule
{
    /// <inheritdoc/>
    public SettingsSection Section { get; } = SettingsSection.Object("instability", nameof(GrokSettings.Instability));

    readonly Option<string?> action = new("--on-instability") { Description = "Act when the loss spikes (the diagnosis's rule) or, with --stability, the stability margin turns negative (or on --instability-trigger): warn (an event only), reduce-lr (× --instability-lr-factor once per episode, not below --instability-lr-floor, then back to --lr), skip (withhold that step's update), rollback (restore the last resume point, lower the rate). Off by default (docs/INSTABILITY.md)." };
    readonly Option<double?> factor = new OptionalNumericOption<double>("--instability-lr-factor", $"With --on-instability reduce-lr or rollback: multiply the learning rate by this (default {InstabilitySettings.DefaultLearningRateFactor}).", new NumberRange<double>(0, 1, MinExclusive: true, MaxExclusive: true));
    readonly Option<string?> trigger = new("--instability-trigger") { Description = "With --on-instability: what it acts on, comma-separated: spike (the diagnosis's loss-spike rule), margin (λ_max(P⁻¹H) above the optimizer's threshold; needs --stability), warning (the instability forecast's instability_warning, before a spike; needs --stability). Default: spike, with margin when --stability measures λ_max(P⁻¹H)." };
    readonly Option<double?> floor = new OptionalNumericOption<double>("--instability-lr-floor", "With --on-instability reduce-lr or rollback: the lowest learning rate a cut sets (default 1/100 of --lr).", NumberRange<double>.Above(0));
    readonly Option<int?> quiet = new OptionalNumericOption<int>("--instability-quiet", $"With --on-instability: an episode ends after N steps in a row with no trigger firing or active (default {InstabilityController.DefaultQuietSteps}); reduce-lr cuts once per episode, and after it a cut rate returns to --lr over N steps.", NumberRange<int>.Between(1, 1_000_000));
    readonly Option<double?> zclip = new OptionalNumericOption<double>("--zclip", "ZClip adaptive gradient clipping (Kumar et al. 2025): clip the gradient norm to μ + Z·σ of its moving mean and variance (α = 0.97, 25 warm-up steps) when its z-score exceeds Z (e.g. 2.5); the fixed --clip still applies after it.", new NumberRange<double>(0, 100, MinExclusive: true));

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [action, trigger, factor, floor, quiet, zclip];

    /// <inheritdoc/>
    public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b) => s with { Instability = Bind(r) };

    /// <summary>The settings asked for (null: all off).</summary>
    public InstabilitySettings? Bind(ParseResult r)
    {
        string? name = r.GetValue(action);
        string? triggers = r.GetValue(trigger);
        var settings = new InstabilitySettings(name is null ? null : InstabilityActions.Parse(name) is { } a ? InstabilityActions.NameOf(a) : name,
            r.GetValue(factor), r.GetValue(zclip))
        {
            Triggers = triggers is null ? null : InstabilitySettings.CanonicalTriggers(triggers) ?? triggers,
            LearningRateFloor = r.GetValue(floor), QuietSteps = r.GetValue(quiet),
        };
        return settings == new InstabilitySettings(null, null, null) ? null : settings;   // checked by GrokSettings.Validate, with the run's checkpoints
    }
}
