using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Control;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options for acting on instability, bound in one place: <c>--on-instability warn|reduce-lr|skip|rollback</c>
/// (<see cref="InstabilityController"/>: triggered by the diagnosis's loss-spike rule, and by the stability margin below 0
/// with <c>--stability</c>), <c>--instability-lr-factor</c>, and the ZClip baseline <c>--zclip Z</c>. Off by default: nothing
/// is then written to settings.json, so fingerprints do not change.
/// </summary>
public sealed class InstabilityChoice : IGrokModule
{
    /// <inheritdoc/>
    public SettingsSection Section { get; } = SettingsSection.Object("instability", nameof(GrokSettings.Instability));

    readonly Option<string?> action = new("--on-instability") { Description = "Act when the loss spikes (the diagnosis's rule) or, with --stability, the stability margin turns negative: warn (an event only), reduce-lr (× --instability-lr-factor until it recovers, then hold), skip (withhold that step's update), rollback (restore the last resume point, lower the rate). Off by default (docs/INSTABILITY.md)." };
    readonly Option<double?> factor = new OptionalNumericOption<double>("--instability-lr-factor", $"With --on-instability reduce-lr or rollback: multiply the learning rate by this (default {InstabilitySettings.DefaultLearningRateFactor}).", new NumberRange<double>(0, 1, MinExclusive: true, MaxExclusive: true));
    readonly Option<double?> zclip = new OptionalNumericOption<double>("--zclip", "ZClip adaptive gradient clipping (Kumar et al. 2025): clip the gradient norm to μ + Z·σ of its moving mean and variance (α = 0.97, 25 warm-up steps) when its z-score exceeds Z (e.g. 2.5); the fixed --clip still applies after it.", new NumberRange<double>(0, 100, MinExclusive: true));

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [action, factor, zclip];

    /// <inheritdoc/>
    public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b) => s with { Instability = Bind(r) };

    /// <summary>The settings asked for (null: all off).</summary>
    public InstabilitySettings? Bind(ParseResult r)
    {
        string? name = r.GetValue(action);
        var settings = new InstabilitySettings(name is null ? null : InstabilityActions.Parse(name) is { } a ? InstabilityActions.NameOf(a) : name,
            r.GetValue(factor), r.GetValue(zclip));
        return settings == new InstabilitySettings(null, null, null) ? null : settings;   // checked by GrokSettings.Validate, with the run's checkpoints
    }
}
