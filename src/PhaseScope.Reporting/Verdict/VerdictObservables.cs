using PhaseScope.Monitoring.Probes;
using PhaseScope.Monitoring;
namespace PhaseScope.Reporting.Verdict;

/// <summary>
/// The stored series the verdict reads from each run: every continuous observable of the three families that
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

    /// <summary>Series loaded by exact name: seed 001's spectral edge (gap ratio, g₂₃, k*), seed 003's consolidation (p,
    /// smoothed p, C_α, tail index α), λ_max, seed 000's moments (m∩, d₀), the global parameter norm ‖θ‖ and the
    /// evaluation series.</summary>
    public static readonly string[] Exact =
    [
        SpectralEdgeMetrics.GapRatio, SpectralEdgeMetrics.G23, SpectralEdgeMetrics.KStar,
        ConsolidationMetrics.P, ConsolidationMetrics.PSmoothed, ConsolidationMetrics.CAlpha, ConsolidationMetrics.TailIndex,
        CurvatureMetrics.LambdaMax, MomentsMetrics.MCap, MomentsMetrics.D0, "param_norm", PhaseScope.Monitoring.Probes.LlcProbe.LambdaHatMetric,
        EvaluationMetrics.TestLoss, EvaluationMetrics.TestAcc, EvaluationMetrics.TrainLoss, EvaluationMetrics.TrainAcc,
    ];

    /// <summary>Families read by pattern (PREFIX*SUFFIX, one name per tensor or order): Q̂_α(K) of seed 000 (global only),
    /// the weight spectra's σ₁/σ₂ and power-law α (seed 001 Test 7 as the seed ran it), the attention operator's σ₁/σ₂, σ₂/σ₃, σ₂ and σ₃ (its g₂₃).</summary>
    public static readonly (string Prefix, string Suffix)[] Patterns =
        [(MomentsMetrics.QHatPrefix, ""), ("weights/", "/ratio12"), ("weights/", "/alpha"), ("attn_op/", "/ratio12"), ("attn_op/", "/ratio23"), ("attn_op/", "/sigma_2"), ("attn_op/", "/sigma_3")];

    /// <summary>True when the verdict loads the stored series <paramref name="name"/>.</summary>
    public static bool Includes(string name)
    {
        if (Exact.Contains(name, StringComparer.Ordinal)) return true;
        foreach (var (prefix, suffix) in Patterns)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(suffix, StringComparison.Ordinal) || name.Length <= prefix.Length + suffix.Length) continue;
            var middle = name[prefix.Length..^suffix.Length];
            // Q̂_α's per-tensor copies carry a "/tensor" suffix; only the global one is scored.
            if (prefix == MomentsMetrics.QHatPrefix && middle.Contains('/', StringComparison.Ordinal)) continue;
            return true;
        }
        return false;
    }

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
