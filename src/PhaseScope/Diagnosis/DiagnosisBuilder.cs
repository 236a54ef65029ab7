using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Descriptors;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Diagnosis;

/// <summary>
/// The one way a run's diagnosis is made, live or over a stored run, and turned into its <see cref="RunSummary"/> and
/// the findings a report lists under it. The grok threshold travels with the run: a run's writer stores it under
/// <see cref="GrokThresholdKey"/> in the config table and a reader takes it from there (<see cref="GrokThresholdOf"/>),
/// so a replay judges "generalised" by the threshold the run was trained with.
/// </summary>
public static class DiagnosisBuilder
{
    /// <summary>Config-table key of the test accuracy at which the run counts as grokked.</summary>
    public const string GrokThresholdKey = "grok_threshold";

    /// <summary>The grok threshold of a run that did not store one (every run before the key was written used it).</summary>
    public const double DefaultGrokThreshold = 0.95;

    /// <summary>A fresh diagnosis judging generalisation by <paramref name="grokThreshold"/>.</summary>
    public static RunDiagnosis Create(double grokThreshold = DefaultGrokThreshold) => new() { GrokThreshold = grokThreshold };

    /// <summary>The config-table value of a grok threshold (invariant culture, round-trip).</summary>
    public static string ConfigValue(double grokThreshold) => grokThreshold.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The grok threshold a run's config table stores; <see cref="DefaultGrokThreshold"/> when it stores none or
    /// one that is not a number in (0, 1].</summary>
    public static double GrokThresholdOf(IReadOnlyDictionary<string, string> config) =>
        config.TryGetValue(GrokThresholdKey, out var t) && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && v <= 1
            ? v : DefaultGrokThreshold;

    /// <summary>The diagnosis of a stored run, replayed from its metrics and events (<see cref="RunDiagnosis.Replay"/>) and,
    /// for a run that has finished (<paramref name="lastStep"/> given), closed at its last step.</summary>
    public static RunDiagnosis Replay(IEnumerable<MetricRecord> metrics, IEnumerable<MonitorEvent> events, double grokThreshold, long? lastStep = null)
    {
        var diagnosis = RunDiagnosis.Replay(metrics, events, Create(grokThreshold));
        if (lastStep is long last) diagnosis.Finish(last);
        return diagnosis;
    }

    /// <summary>
    /// The run summary of a diagnosis: its paragraph (with the grok sentence when the run kind has a grok criterion),
    /// phase and spikes, the grok step and the final evaluation, and, when <paramref name="events"/> are given, the first
    /// step of every event kind that <paramref name="families"/> (default <see cref="MetricFamilies.BuiltIn"/>) mark
    /// <see cref="EventDescriptor.InSummary"/>, in family order.
    /// </summary>
    public static RunSummary Summarise(RunDiagnosis diagnosis, long? grokStep, FinalEvaluation? final = null, IReadOnlyList<MonitorEvent>? events = null,
        IReadOnlyList<IMetricFamily>? families = null, bool grokCriterion = true) =>
        new(diagnosis.Describe(grokStep), diagnosis.Current.Name(), diagnosis.Spikes.Select(s => s.Onset).ToList(), grokCriterion ? grokStep : null)
        {
            HasGrokCriterion = grokCriterion,
            Final = final,
            FirstEvents = events is null ? null : (families ?? MetricFamilies.BuiltIn).SelectMany(f => f.Events).Where(e => e.InSummary)
                .Select(d => (d.Kind, events.FirstOrDefault(e => e.Kind == d.Kind)?.Step)).ToList(),
        };

    /// <summary>What the diagnosis found beyond its paragraph, one line each, for the report's first screen.</summary>
    /// <param name="diagnosis">The run's diagnosis.</param>
    /// <param name="stabilityMargin">The run's <see cref="CurvatureMetrics.StabilityMargin"/> series, 2/η − λ_max(H) (empty: not measured).</param>
    /// <param name="optimizerMargin">The run's <see cref="StabilityMetrics.Margin"/> series, the optimizer's own threshold − λ (empty: not measured).</param>
    /// <param name="optimizer">The optimizer the run used, as its config names it (<see cref="OptimizerOf"/>; null: not known).</param>
    public static IReadOnlyList<string> Findings(RunDiagnosis diagnosis, IReadOnlyList<(long Step, double Value)> stabilityMargin,
        IReadOnlyList<(long Step, double Value)>? optimizerMargin = null, string? optimizer = null) =>
        StabilityMarginFinding(diagnosis, stabilityMargin, optimizerMargin ?? [], optimizer) is { } margin ? [margin] : [];

    /// <summary>
    /// The stability-margin finding, with the margin that fits the optimizer (docs/INSTABILITY.md, "Thresholds"):
    /// <list type="bullet">
    /// <item>the optimizer's own margin (<c>grok --stability</c>: AdamW's threshold on λ_max(P⁻¹H), SGD's on λ_max(H))
    /// when it was measured: its smallest value, and how often it was negative;</item>
    /// <item>otherwise S = 2/η − λ_max(H) when it never fell below 0: for SGD without momentum that is its threshold
    /// (seed 003 §7); for AdamW, Muon or an optimizer not known it is only plain gradient descent's, and the line says
    /// so (AdamW's threshold, ≈ 38/η at β₁ = 0.9, is on the preconditioned Hessian, and Muon has none);</item>
    /// <item>null when S was negative somewhere (the diagnosis paragraph says so) or nothing was measured.</item>
    /// </list>
    /// </summary>
    public static string? StabilityMarginFinding(RunDiagnosis diagnosis, IReadOnlyList<(long Step, double Value)> stabilityMargin,
        IReadOnlyList<(long Step, double Value)>? optimizerMargin = null, string? optimizer = null)
    {
        if (optimizerMargin is { Count: > 0 })
        {
            var finite = optimizerMargin.Where(p => double.IsFinite(p.Value)).ToList();
            if (finite.Count == 0) return null;
            var negative = finite.Where(p => p.Value < 0).ToList();
            string smallest = ReadableNumber.Format(finite.Min(p => p.Value));
            return negative.Count == 0
                ? $"The optimizer's stability margin (its threshold − λ_max, docs/INSTABILITY.md) stayed positive (smallest {smallest})."
                : $"The optimizer's stability margin (its threshold − λ_max, docs/INSTABILITY.md) was negative at {negative.Count} of {finite.Count} measurement(s), first at step {negative[0].Step} (smallest {smallest}).";
        }
        if (diagnosis.NegativeMargins.Count > 0 || stabilityMargin.Count == 0) return null;
        string least = ReadableNumber.Format(stabilityMargin.Min(p => p.Value));
        return optimizer == "sgd"
            ? $"Edge-of-stability margin S = 2/η − λ_max stayed positive (smallest {least})."
            : $"λ_max(H) stayed below 2/η (smallest S = 2/η − λ_max: {least}); that is plain gradient descent's threshold, not {(optimizer is null ? "an adaptive optimizer's" : optimizer + "'s")}: AdamW's is on λ_max(P⁻¹H) (grok --stability, docs/INSTABILITY.md).";
    }

    /// <summary>The optimizer a run used, from its config: <c>optimizer</c> (grok, mnist), else <c>attach.optimizer</c>
    /// (a session's optimizer type, lower-cased), else <c>adamw</c> for a grok run (its default), else null.</summary>
    public static string? OptimizerOf(IReadOnlyDictionary<string, string> config, string? kind = null) =>
        config.TryGetValue("optimizer", out var o) ? o.ToLowerInvariant()
        : config.TryGetValue("attach.optimizer", out var a) ? a.ToLowerInvariant()
        : kind == "grok" ? "adamw" : null;
}
