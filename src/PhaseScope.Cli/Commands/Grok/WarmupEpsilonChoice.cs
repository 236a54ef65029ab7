using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Training;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// Two training knobs that decide how large AdamW's early and tiny-gradient steps are (docs/INSTABILITY.md, "The instability
/// forecast, measured"), bound in one place for <c>grok</c> and <c>mnist</c>: <c>--adam-eps</c>, AdamW's ε in the step
/// θ ← θ − η m̂/(√v̂ + ε), and <c>--warmup N</c>, a linear learning-rate warm-up η·min(1, t/N)
/// (<see cref="LearningRateWarmup"/>). The defaults (ε = 10⁻⁸, no warm-up) are stored as absent, and so is a value the user
/// gives that equals them, so every run that does not change them keeps its settings and fingerprint.
/// </summary>
public sealed class WarmupEpsilonChoice : IGrokModule
{
    /// <inheritdoc/>
    public SettingsSection? Section => null;   // stored with the trainer's settings

    readonly Option<double?> epsilon = new OptionalNumericOption<double>("--adam-eps",
        $"AdamW's ε in θ ← θ − η·m̂/(√v̂ + ε) (default {TrainerOptions.DefaultAdamEpsilon.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}); a small ε lets parameters with tiny gradients take full-size steps.",
        new NumberRange<double>(0, 1, MinExclusive: true));
    readonly Option<int?> warmup = new OptionalNumericOption<int>("--warmup",
        "Linear learning-rate warm-up over N steps: step t runs at lr·min(1, t/N) (default 0: none).",
        NumberRange<int>.AtLeast(0).CappedAt(100_000_000, "steps of warm-up"));

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [epsilon, warmup];

    /// <inheritdoc/>
    /// <exception cref="UsageException">--adam-eps with --optimizer muon (bind <see cref="OptimizerChoice"/> first).</exception>
    public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b) => s with { Trainer = Bind(r, s.Trainer) };

    /// <summary>ε asked for (null: the default, given or not).</summary>
    public double? Epsilon(ParseResult r) => r.GetValue(epsilon) is double e && e != TrainerOptions.DefaultAdamEpsilon ? e : null;

    /// <summary>Warm-up steps asked for (null: none, given as 0 or not given).</summary>
    public int? Warmup(ParseResult r) => r.GetValue(warmup) is int w && w > 0 ? w : null;

    /// <summary><paramref name="trainer"/> with these knobs.</summary>
    /// <exception cref="UsageException">--adam-eps with --optimizer muon (Muon's inner AdamW keeps its ε).</exception>
    public TrainerOptions Bind(ParseResult r, TrainerOptions trainer)
    {
        var eps = Epsilon(r);
        if (eps is not null && trainer.Optimizer == TrainerOptions.MuonName)
            throw new UsageException("--adam-eps only applies with --optimizer adamw (Muon's inner AdamW keeps ε = 1e-8); drop it or use adamw.");
        return trainer with { AdamEpsilon = eps, WarmupSteps = Warmup(r) };
    }
}
