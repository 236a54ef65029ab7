using PhaseScope.Monitoring.Probes;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Descriptors;
namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// The stored series the verdict reads from each run: every metric a family declares an indicator, which
/// <see cref="LeadTimeRoc"/> scores, the evaluation series the <see cref="BaselineEvents"/> are derived from, and the
/// derived scores <see cref="Step"/> (elapsed steps: the trivial baseline every indicator must beat) and
/// <see cref="AccuracyGap"/> (train − test accuracy).
/// </summary>
public static class VerdictObservables
{
    /// <summary>Derived: the step itself. A run that has trained longer is closer to grokking whatever else happens; an
    /// observable that does not beat this one's AUROC says nothing the clock does not.</summary>
    public const string Step = "step";

    /// <summary>Derived: train accuracy − test accuracy at the step (the memorisation gap; shrinking before grokking).</summary>
    public const string AccuracyGap = EvaluationMetrics.AccGap;

    /// <summary>True when the verdict loads the stored series <paramref name="name"/>: a metric whose descriptor in
    /// <paramref name="families"/> (default <see cref="MetricFamilies.BuiltIn"/>) is an <see cref="MetricDescriptor.Indicator"/>,
    /// the accuracy gap aside (derived at every step from the two accuracies). A pattern's <c>*</c> is one path segment, so
    /// Q̂_α's per-tensor copies (<c>moments/q_hat_2/TENSOR</c>) are not loaded, the global one is.</summary>
    public static bool Includes(string name, IReadOnlyList<IMetricFamily>? families = null) =>
        name != AccuracyGap && (families ?? MetricFamilies.BuiltIn).Any(f => f.Metrics.Any(m => m.Indicator && m.Matches(name)));

    /// <summary>The observables to score over <paramref name="runs"/>: <see cref="Step"/>, <see cref="AccuracyGap"/> and
    /// every loaded series some run holds, in name order.</summary>
    public static IReadOnlyList<string> Scored(IReadOnlyList<SweepRun> runs) =>
        [Step, AccuracyGap, .. runs.SelectMany(r => r.Series.Keys).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The value of observable <paramref name="name"/> in <paramref name="run"/> at <paramref name="step"/>: the last
    /// record at or before it (derived observables computed); null when there is none or it is not finite.</summary>
    public static double? Value(SweepRun run, string name, long step)
    {
        double? v = name switch
        {
            Step => step,
            AccuracyGap => run.At(EvaluationMetrics.TrainAcc, step) is double tr && run.At(EvaluationMetrics.TestAcc, step) is double te ? tr - te : null,
            _ => run.At(name, step),
        };
        return v is double d && double.IsFinite(d) ? d : null;
    }
}
