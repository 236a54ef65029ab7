using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Globalization;
using PhaseScope.LearningCoefficient;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The LLC probe's settings in a grok run (<see cref="LlcProbe"/>), stored in settings.json only when the probe
/// is on (so older runs keep their fingerprint). Defaults tuned on the reference modular model (docs/RESULTS.md): with
/// ε = 3·10⁻⁶ and γ = 3·10⁴ the chains stay in the basin (E[L] − L(w*) of order 0.05–0.5) and relax within the burn-in;
/// devinterp's generic ε = 10⁻⁴, γ = 100 let them wander to the loss of random guessing (λ̂ ≈ nβ · 4.6, saturated).
/// </summary>
/// <param name="Every">Steps between estimates.</param>
/// <param name="StepSize">SGLD ε.</param>
/// <param name="Localization">γ.</param>
/// <param name="Batch">Examples per SGLD batch.</param>
/// <param name="Chains">Chains.</param>
/// <param name="Draws">Draws per chain.</param>
/// <param name="BurnIn">Burn-in steps per chain.</param>
public sealed record LlcSettings(int Every, double StepSize = LlcSettings.DefaultStepSize, double Localization = LlcSettings.DefaultLocalization,
    int Batch = LlcSettings.DefaultBatch, int Chains = LlcSettings.DefaultChains, int Draws = LlcSettings.DefaultDraws, int BurnIn = LlcSettings.DefaultBurnIn)
{
    /// <summary>Examples per SGLD batch.</summary>
    public const int DefaultBatch = 64;
    /// <summary>SGLD chains per estimate.</summary>
    public const int DefaultChains = 2;
    /// <summary>Draws per chain.</summary>
    public const int DefaultDraws = 100;
    /// <summary>Burn-in steps per chain.</summary>
    public const int DefaultBurnIn = 100;

    /// <summary>Tuned ε (see the summary).</summary>
    public const double DefaultStepSize = 3e-6;
    /// <summary>Tuned γ (see the summary).</summary>
    public const double DefaultLocalization = 3e4;

    /// <summary>The estimator options.</summary>
    public LlcOptions Options(long seed) => new(Chains, Draws, BurnIn, StepSize, Localization, Seed: seed);

    /// <summary>The probe for a training set of <paramref name="trainExamples"/>.</summary>
    public LlcProbe Probe(long trainExamples, long seed) => new(Options(seed), trainExamples, ProbeSchedule.Every(Every), Batch, seed);

    /// <summary>Throws <see cref="UsageException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (Every < 1) throw new UsageException($"--llc takes the steps between estimates, at least 1 (got {Every}).");
        if (Batch < 1) throw new UsageException($"--llc-batch must be at least 1 example (got {Batch}).");
        try { Options(0).Validate(); }
        catch (ArgumentException e) { throw new UsageException($"{e.Message} (options --llc-step-size, --llc-localization, --llc-chains, --llc-draws)."); }
    }

    /// <summary>Config-table entries (run store).</summary>
    public void AddTo(Dictionary<string, string> config)
    {
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        config["llc_every"] = Every.ToString(CultureInfo.InvariantCulture);
        config["llc_step_size"] = F(StepSize);
        config["llc_localization"] = F(Localization);
        config["llc_batch"] = Batch.ToString(CultureInfo.InvariantCulture);
        config["llc_chains"] = Chains.ToString(CultureInfo.InvariantCulture);
        config["llc_draws"] = Draws.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The grok command's LLC options, bound in one place.</summary>
    public sealed class CommandOptions : IGrokModule
    {
        /// <inheritdoc/>
        public SettingsSection Section { get; } = SettingsSection.Object("llc", nameof(GrokSettings.Llc));

        readonly Option<int?> every = new OptionalNumericOption<int>("--llc", "Estimate the local learning coefficient (SGLD) every N steps; off by default (a call costs ≈ 100 training steps at the defaults).", NumberRange<int>.AtLeast(1));
        readonly Option<double> stepSize = new NumericOption<double>("--llc-step-size", "SGLD step size ε of the LLC probe.", DefaultStepSize, NumberRange<double>.Above(0));
        readonly Option<double> localization = new NumericOption<double>("--llc-localization", "Localisation γ of the LLC probe.", DefaultLocalization, NumberRange<double>.AtLeast(0));
        readonly Option<int> batch = new NumericOption<int>("--llc-batch", "Examples per SGLD batch of the LLC probe.", DefaultBatch, NumberRange<int>.AtLeast(1).CappedAt(1 << 20, "the examples of one SGLD step"));
        readonly Option<int> chains = new NumericOption<int>("--llc-chains", "SGLD chains per LLC estimate.", DefaultChains, NumberRange<int>.AtLeast(1).CappedAt(10_000, "SGLD chains per estimate"));
        readonly Option<int> draws = new NumericOption<int>("--llc-draws", $"Draws per chain (after a burn-in of {DefaultBurnIn} steps).", DefaultDraws, NumberRange<int>.AtLeast(1).CappedAt(10_000_000, "SGLD steps per chain"));

        /// <summary>The options, to add to the command.</summary>
        public IEnumerable<Option> All => [every, stepSize, localization, batch, chains, draws];

        /// <inheritdoc/>
        public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b) => s with { Llc = Bind(r) };

        /// <summary>The settings the user asked for (null: probe off). Tuning options without --llc are refused.</summary>
        public LlcSettings? Bind(ParseResult r)
        {
            if (r.GetValue(every) is not int n)
            {
                var stray = All.Skip(1).Where(o => r.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (stray.Count > 0) throw new UsageException($"{string.Join(", ", stray)} only apply with --llc N (the LLC probe's interval).");
                return null;
            }
            return new LlcSettings(n, r.GetValue(stepSize), r.GetValue(localization), r.GetValue(batch), r.GetValue(chains), r.GetValue(draws));
        }
    }
}
