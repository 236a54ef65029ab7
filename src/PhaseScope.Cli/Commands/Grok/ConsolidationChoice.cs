using System.CommandLine;
using PhaseScope.Cli.Options;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options of seed 003's consolidation probe and of the controllers that act on it, bound in one place:
/// C_α's method, samples, interval, p smoothing and tail order; the adaptive learning rate and early
/// stopping (§11.3–11.4) with their bands, window, criteria and warm-up. The probe is on by default (micro-batches).
/// </summary>
public sealed class ConsolidationChoice
{
    readonly Option<string?> consolidation = new("--consolidation") { Description = "Seed 003's C_α probe: micro (split each measured batch into k micro-batches; the default) or batches (n extra mini-batches, the seed's way)." };
    readonly Option<int?> consolidationSamples = new OptionalNumericOption<int>("--consolidation-samples", "k micro-batches (default 8) or n extra batches (default 20).", NumberRange<int>.AtLeast(2).CappedAt(4096, "the micro-batches or extra batches of one measurement: one backward pass each"));
    readonly Option<int?> consolidationEvery = new OptionalNumericOption<int>("--consolidation-every", "Measure C_α every N steps (default 100, or 10 with --adaptive-lr or --early-stop; one measurement costs ≈ 0.75 of a step).", NumberRange<int>.AtLeast(1));
    readonly Option<int> smoothing = new NumericOption<int>("--p-smoothing", "Measurements of p averaged before a crossing of 0.5 is reported.", 5, NumberRange<int>.AtLeast(1));
    readonly Option<int> tailK = new NumericOption<int>("--tail-k", "Order statistics of the Hill tail-index estimator (seed: 100).", 100, NumberRange<int>.AtLeast(1));
    readonly Option<bool> adaptiveLr = new("--adaptive-lr") { Description = "Seed 003 §11.3: set the learning rate from p's band (implies --consolidation micro)." };
    readonly Option<string?> lrBands = new("--lr-bands") { Description = "Band table upper_p:multiplier,... ending in inf (default the seed's 0.4:0.1,0.5:0.5,0.6:1,0.75:1.5,inf:2)." };
    readonly Option<bool> earlyStop = new("--early-stop") { Description = "Seed 003 §11.4: stop when p < 0.45 for a window, C_α falls for a window, or I < 0 (implies --consolidation micro)." };
    readonly Option<int> controlAfter = new NumericOption<int>("--control-after", "Let --adaptive-lr and --early-stop act only from this step on (0: from the start, as the seed does).", 0, NumberRange<int>.AtLeast(0));
    readonly Option<int> earlyStopWindow = new NumericOption<int>("--early-stop-window", "C_α measurements per early-stopping window.", 10, NumberRange<int>.AtLeast(2));
    readonly Option<string> earlyStopCriteria = new("--early-stop-criteria") { Description = "Comma-separated subset of low-p, falling-c, negative-i.", DefaultValueFactory = _ => "low-p,falling-c,negative-i" };

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [consolidation, consolidationSamples, consolidationEvery, smoothing, tailK, adaptiveLr, lrBands, earlyStop, controlAfter, earlyStopWindow, earlyStopCriteria];

    /// <summary><paramref name="s"/> with this family's settings; <paramref name="all"/>: every family is on by default.</summary>
    public GrokSettings Bind(ParseResult r, GrokSettings s, bool all) => s with
    {
        Consolidation = r.GetValue(consolidation)?.ToLowerInvariant() ?? (all ? "micro" : null), ConsolidationSamples = r.GetValue(consolidationSamples),
        ConsolidationByDefault = all && r.GetValue(consolidation) is null && r.GetValue(consolidationSamples) is null,
        ConsolidationEvery = r.GetValue(consolidationEvery) ?? GrokSettings.DefaultConsolidationEvery(r.GetValue(adaptiveLr) || r.GetValue(earlyStop)), ConsolidationSmoothing = r.GetValue(smoothing),
        TailK = r.GetValue(tailK),
        AdaptiveLr = r.GetValue(adaptiveLr), LrBands = r.GetValue(lrBands), ControlAfter = r.GetValue(controlAfter),
        EarlyStop = r.GetValue(earlyStop), EarlyStopWindow = r.GetValue(earlyStopWindow), EarlyStopCriteria = r.GetValue(earlyStopCriteria)!,
    };
}
