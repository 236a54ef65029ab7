using System.CommandLine;
using PhaseScope.Cli.Options;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options of the stability probes (docs/INSTABILITY.md), bound in one place: <c>--stability</c> turns on
/// the directional sharpness along every update, λ_max(P⁻¹H) with AdamW's preconditioner and its margin, and softmax
/// absorption at every evaluation; <c>--float64-softmax</c> trains with the logits' softmax and loss in float64 (the
/// counterfactual replay). Off by default; nothing is written to settings.json when off, so fingerprints do not change.
/// </summary>
public sealed class StabilityChoice : IGrokModule
{
    /// <summary>Steps between directional-sharpness readings when --stability-every is not given.</summary>
    public const int DefaultEvery = 1;
    /// <summary>Steps between λ_max(P⁻¹H) readings when --stability-preconditioned-every is not given.</summary>
    public const int DefaultPreconditionedEvery = 100;
    /// <summary>Examples of the probe's fixed Hessian batch when --stability-batch is not given.</summary>
    public const int DefaultBatch = 64;

    /// <inheritdoc/>
    public SettingsSection Section { get; } = SettingsSection.Of("stability", nameof(GrokSettings.StabilityEvery),
        nameof(GrokSettings.StabilityPreconditionedEvery), nameof(GrokSettings.StabilityBatch));

    readonly Option<bool> stability = new("--stability") { Description = "Sharpness as the optimizer sees it: uᵀHu/uᵀu along each update, λ_max(P⁻¹H) with AdamW's preconditioner against (2 + 2β₁)/((1 − β₁)η), and the share of training examples whose softmax gradient float32 absorbs (docs/INSTABILITY.md)." };
    readonly Option<int?> directionalEvery = new OptionalNumericOption<int>("--stability-every", $"With --stability: the directional sharpness every N steps (default {DefaultEvery}; 0: off; one Hessian-vector product on --stability-batch examples each).", NumberRange<int>.AtLeast(0).CappedAt(100_000_000, "steps between calls"));
    readonly Option<int?> preconditionedEvery = new OptionalNumericOption<int>("--stability-preconditioned-every", $"With --stability: λ_max(P⁻¹H) and the margin every N steps (default {DefaultPreconditionedEvery}; 0: off; a tracked Lanczos, ≈ 3 products warm).", NumberRange<int>.AtLeast(0).CappedAt(100_000_000, "steps between calls"));
    readonly Option<int?> batch = new OptionalNumericOption<int>("--stability-batch", $"With --stability: examples of the probe's fixed Hessian batch (default {DefaultBatch}).", NumberRange<int>.AtLeast(1).CappedAt(1 << 20, "the examples of one Hessian-vector product"));
    readonly Option<bool> float64Softmax = new("--float64-softmax") { Description = "Compute the training loss's softmax and cross-entropy in float64 from the float32 logits (the model itself unchanged): removes float32 softmax absorption, for the counterfactual replay of a spike." };

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [stability, directionalEvery, preconditionedEvery, batch, float64Softmax];

    /// <inheritdoc/>
    /// <exception cref="UsageException">A --stability-* option without --stability, or both intervals 0.</exception>
    public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b)
    {
        bool on = r.GetValue(stability);
        int? every = r.GetValue(directionalEvery), pre = r.GetValue(preconditionedEvery), examples = r.GetValue(batch);
        if (!on && (every is not null || pre is not null || examples is not null))
            throw new UsageException("--stability-every, --stability-preconditioned-every and --stability-batch only apply with --stability; add --stability.");
        if (on && (every ?? DefaultEvery) == 0 && (pre ?? DefaultPreconditionedEvery) == 0)
            throw new UsageException("--stability-every 0 and --stability-preconditioned-every 0 turn off both readings; leave one on or drop --stability.");
        return s with
        {
            StabilityEvery = on ? every ?? DefaultEvery : null, StabilityPreconditionedEvery = on ? pre ?? DefaultPreconditionedEvery : null, StabilityBatch = on ? examples ?? DefaultBatch : null,
            Trainer = r.GetValue(float64Softmax) ? s.Trainer with { Float64Softmax = true } : s.Trainer,
        };
    }
}
