using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options of seed 003's consolidation probe and of the controllers that act on it, bound in one place:
/// C_α's method, samples, interval, p smoothing and tail order; the adaptive learning rate and early
/// stopping (§11.3–11.4) with their bands, window, criteria and warm-up. The probe is on by default (micro-batches).
/// The defaults are this module's constants; <c>forget</c> builds its probe with <see cref="ProbeOptions"/>.
/// </summary>
public sealed class ConsolidationChoice : IGrokModule
{
    /// <summary>Calls of the consolidation probe averaged before a p crossing counts.</summary>
    public const int DefaultSmoothing = 5;
    /// <summary>Order statistics of the Hill tail-index estimator (seed 003: 100).</summary>
    public const int DefaultTailK = 100;
    /// <summary>Extra batches of <c>--consolidation batches</c> when <c>--consolidation-samples</c> is not given (the
    /// micro-batch count follows the task: <see cref="TaskDefaults.MicroBatches"/>).</summary>
    public const int DefaultExtraBatches = 20;
    /// <summary>C_α measurements per early-stopping window.</summary>
    public const int DefaultEarlyStopWindow = 10;
    /// <summary>Every early-stopping criterion.</summary>
    public const string DefaultEarlyStopCriteria = "low-p,falling-c,negative-i";

    /// <summary>
    /// The default interval of C_α: 100 steps, or 10 when a controller (<c>--adaptive-lr</c>, <c>--early-stop</c>) acts on
    /// it. One call costs ≈ 0.75 of a training step on the reference model (8 micro-batches of 64 instead of one pass of
    /// 512: docs/PERFORMANCE.md), so every 10 steps is 7.5 % of training, more than the ≤ 3 % the default schedules
    /// promise; a controller's decisions need the denser series, and that cost is the price of control.
    /// </summary>
    public static int DefaultEvery(bool control) => control ? 10 : 100;

    /// <summary>The probe's options: <paramref name="micro"/> splits the measured batch of <paramref name="batchSize"/> into
    /// <paramref name="samples"/> micro-batches, else draws that many extra batches; measured every <paramref name="every"/> steps.</summary>
    public static ConsolidationOptions ProbeOptions(bool micro, int samples, int every, int batchSize, long seed, bool perTensor = false,
        int tailK = DefaultTailK, int smoothing = DefaultSmoothing) => new()
    {
        Method = micro ? ConsolidationMethod.MicroBatches : ConsolidationMethod.ExtraBatches, Samples = samples, Schedule = ProbeSchedule.Every(every),
        TailOrder = tailK, Smoothing = smoothing, BatchSize = batchSize, PerTensor = perTensor, Seed = seed,
    };

    /// <inheritdoc/>
    public SettingsSection Section { get; } = SettingsSection.Of("consolidation", nameof(GrokSettings.Consolidation), nameof(GrokSettings.ConsolidationSamples),
        nameof(GrokSettings.ConsolidationEvery), nameof(GrokSettings.ConsolidationSmoothing), nameof(GrokSettings.TailK), nameof(GrokSettings.AdaptiveLr),
        nameof(GrokSettings.LrBands), nameof(GrokSettings.ControlAfter), nameof(GrokSettings.EarlyStop), nameof(GrokSettings.EarlyStopWindow),
        nameof(GrokSettings.EarlyStopCriteria), nameof(GrokSettings.ConsolidationByDefault), nameof(GrokSettings.ConsolidationMethodName),
        nameof(GrokSettings.ConsolidationSampleCount));

    readonly Option<string?> consolidation = new("--consolidation") { Description = "Seed 003's C_α probe: micro (split each measured batch into k micro-batches; the default) or batches (n extra mini-batches, the seed's way)." };
    readonly Option<int?> consolidationSamples = new OptionalNumericOption<int>("--consolidation-samples", "k micro-batches (default 8) or n extra batches (default 20).", NumberRange<int>.AtLeast(2).CappedAt(4096, "the micro-batches or extra batches of one measurement: one backward pass each"));
    readonly Option<int?> consolidationEvery = new OptionalNumericOption<int>("--consolidation-every", "Measure C_α every N steps (default 100, or 10 with --adaptive-lr or --early-stop; one measurement costs ≈ 0.75 of a step).", NumberRange<int>.AtLeast(1));
    readonly Option<int> smoothing = new NumericOption<int>("--p-smoothing", "Measurements of p averaged before a crossing of 0.5 is reported.", DefaultSmoothing, NumberRange<int>.AtLeast(1));
    readonly Option<int> tailK = new NumericOption<int>("--tail-k", "Order statistics of the Hill tail-index estimator (seed: 100).", DefaultTailK, NumberRange<int>.AtLeast(1));
    readonly Option<bool> adaptiveLr = new("--adaptive-lr") { Description = "Seed 003 §11.3: set the learning rate from p's band (implies --consolidation micro)." };
    readonly Option<string?> lrBands = new("--lr-bands") { Description = "Band table upper_p:multiplier,... ending in inf (default the seed's 0.4:0.1,0.5:0.5,0.6:1,0.75:1.5,inf:2)." };
    readonly Option<bool> earlyStop = new("--early-stop") { Description = "Seed 003 §11.4: stop when p < 0.45 for a window, C_α falls for a window, or I < 0 (implies --consolidation micro)." };
    readonly Option<int> controlAfter = new NumericOption<int>("--control-after", "Let --adaptive-lr and --early-stop act only from this step on (0: from the start, as the seed does).", 0, NumberRange<int>.AtLeast(0));
    readonly Option<int> earlyStopWindow = new NumericOption<int>("--early-stop-window", "C_α measurements per early-stopping window.", DefaultEarlyStopWindow, NumberRange<int>.AtLeast(2));
    readonly Option<string> earlyStopCriteria = new("--early-stop-criteria") { Description = "Comma-separated subset of low-p, falling-c, negative-i.", DefaultValueFactory = _ => DefaultEarlyStopCriteria };

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [consolidation, consolidationSamples, consolidationEvery, smoothing, tailK, adaptiveLr, lrBands, earlyStop, controlAfter, earlyStopWindow, earlyStopCriteria];

    /// <inheritdoc/>
    public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b) => s with
    {
        Consolidation = r.GetValue(consolidation)?.ToLowerInvariant() ?? (b.AllFamilies ? "micro" : null), ConsolidationSamples = r.GetValue(consolidationSamples),
        ConsolidationByDefault = b.AllFamilies && r.GetValue(consolidation) is null && r.GetValue(consolidationSamples) is null,
        ConsolidationEvery = r.GetValue(consolidationEvery) ?? DefaultEvery(r.GetValue(adaptiveLr) || r.GetValue(earlyStop)), ConsolidationSmoothing = r.GetValue(smoothing),
        TailK = r.GetValue(tailK),
        AdaptiveLr = r.GetValue(adaptiveLr), LrBands = r.GetValue(lrBands), ControlAfter = r.GetValue(controlAfter),
        EarlyStop = r.GetValue(earlyStop), EarlyStopWindow = r.GetValue(earlyStopWindow), EarlyStopCriteria = r.GetValue(earlyStopCriteria)!,
    };
}
