using PhaseScope.Monitoring.Probes;
using PhaseScope.Diagnosis;

namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// The combined predictor of the indicators: a ridge logistic regression (<see cref="LogisticRegression"/>, λ = 1 on
/// standardised features) on one reading per family's observable at each evaluation step, labelled as
/// <see cref="LeadTimeRoc"/> labels (groks within H steps). Its honesty comes from cross-validation by group: every
/// run of the held-out seed (or task) is predicted by a model fitted without any of them, and the out-of-fold
/// predictions are scored: AUROC with a run-bootstrap interval, reliability bins, and as an alarm at a fixed run-level
/// false-alarm rate: the threshold is the lowest that leaves at most ⌊<see cref="AlarmRate"/> · controls⌋ control runs
/// alarmed at any step (a per-step rate would alarm almost every control once over thirty evaluations); then its hit
/// rate in [g − H, g), its early alarms (grokking runs alarmed before g − H) and its median lead. The threshold is read
/// off the same out-of-fold predictions it is scored on, so its false-positive count is the target, not a measurement.
/// </summary>
public static class CombinedPredictor
{
    /// <summary>The features: seed 001's gap ratio, g₂₃ and k*; seed 003's smoothed p, C_α and λ_max; seed 000's m∩ and
    /// d₀; ‖θ‖. No evaluation series: the predictor must not read the answer off test accuracy.</summary>
    public static readonly string[] Features =
    [
        SpectralEdgeMetrics.GapRatio, SpectralEdgeMetrics.G23, SpectralEdgeMetrics.KStar, ConsolidationMetrics.PSmoothed, ConsolidationMetrics.CAlpha,
        CurvatureMetrics.LambdaMax, MomentsMetrics.MCap, MomentsMetrics.D0, "param_norm",
    ];

    /// <summary>Share of control runs allowed to alarm (sets the alarm threshold).</summary>
    public const double AlarmRate = 0.10;

    /// <summary>Ridge strength.</summary>
    public const double Lambda = 1.0;

    /// <summary>Cross-validated performance of the predictor under one grouping.</summary>
    /// <param name="Scheme">e.g. "leave one seed out".</param>
    /// <param name="Folds">Groups (folds).</param>
    /// <param name="Auroc">Out-of-fold AUROC.</param>
    /// <param name="Low">Run-bootstrap 2.5 %.</param>
    /// <param name="High">Run-bootstrap 97.5 %.</param>
    /// <param name="Threshold">Alarm threshold on P.</param>
    /// <param name="Hits">Grokking runs alarmed within [g − H, g).</param>
    /// <param name="Grokking">Grokking runs.</param>
    /// <param name="EarlyAlarms">Grokking runs alarmed before g − H.</param>
    /// <param name="FalsePositives">Control runs alarmed at any step.</param>
    /// <param name="Controls">Control runs.</param>
    /// <param name="Leads">g − first alarm in the window, per hit.</param>
    /// <param name="Calibration">Out-of-fold reliability bins.</param>
    public sealed record CrossValidation(string Scheme, int Folds, double Auroc, double Low, double High, double Threshold,
        int Hits, int Grokking, int EarlyAlarms, int FalsePositives, int Controls, IReadOnlyList<long> Leads, GrokPredictor.Bin[] Calibration);

    /// <summary>One run's samples: evaluation step, label, raw feature readings.</summary>
    sealed record Sample(long Step, bool Positive, double?[] Readings);

    static List<Sample> Samples(SweepRun run, long horizon)
    {
        var list = new List<Sample>();
        foreach (var t in LeadTimeRoc.Grid(run))
        {
            if (run.GrokStep is long g && t >= g) break;
            if (t > run.Steps) break;
            list.Add(new Sample(t, run.GrokStep is long gs && gs - t <= horizon, Features.Select(f => VerdictObservables.Value(run, f, t)).ToArray()));
        }
        return list;
    }

    /// <summary>Fits the predictor on every evaluation step of <paramref name="runs"/>.</summary>
    /// <exception cref="InvalidOperationException">No samples, or one class only.</exception>
    public static GrokPredictor Fit(IReadOnlyList<SweepRun> runs, long horizon, GrokPredictor.Bin[]? calibration = null, string provenance = "")
    {
        var samples = runs.SelectMany(r => Samples(r, horizon)).ToList();
        if (!samples.Any(s => s.Positive) || samples.All(s => s.Positive))
            throw new InvalidOperationException($"The combined predictor needs steps within {horizon} steps of a grok step and steps that are not ({samples.Count} samples, {samples.Count(s => s.Positive)} positive).");
        int d = Features.Length;
        var mean = new double[d];
        var scale = new double[d];
        for (int j = 0; j < d; j++)
        {
            var v = samples.Where(s => s.Readings[j] is not null).Select(s => GrokPredictor.Transform(s.Readings[j]!.Value)).ToList();
            mean[j] = v.Count == 0 ? 0 : v.Average();
            double var = v.Count < 2 ? 0 : v.Sum(x => (x - mean[j]) * (x - mean[j])) / (v.Count - 1);
            scale[j] = var > 1e-24 ? Math.Sqrt(var) : 1;
        }
        var shell = new GrokPredictor(Features, mean, scale, new double[d + 1], horizon, calibration ?? [], provenance);
        var x = samples.Select(s => shell.Standardise(f => s.Readings[Array.IndexOf(Features, f)])).ToList();
        var w = LogisticRegression.Fit(x, samples.Select(s => s.Positive).ToList(), Lambda);
        return shell with { Coefficients = w };
    }

    /// <summary>Cross-validates by <paramref name="group"/> (each group's runs held out once). Null when there are fewer
    /// than two groups or a fold's training runs hold one class only.</summary>
    public static CrossValidation? Validate(IReadOnlyList<SweepRun> runs, long horizon, Func<SweepRun, string> group, string scheme)
    {
        var groups = runs.GroupBy(group).ToList();
        if (groups.Count < 2) return null;
        var predicted = new Dictionary<SweepRun, List<(long Step, bool Positive, double P)>>();
        foreach (var held in groups)
        {
            var train = runs.Where(r => group(r) != held.Key).ToList();
            GrokPredictor model;
            try { model = Fit(train, horizon); }
            catch (InvalidOperationException) { return null; }
            foreach (var r in held)
                predicted[r] = Samples(r, horizon).Select(s => (s.Step, s.Positive, model.Probability(f => s.Readings[Array.IndexOf(Features, f)]))).ToList();
        }
        var perRun = predicted.Values.Where(l => l.Count > 0).Select(l => l.Select(s => (s.Positive, Value: s.P)).ToList()).ToList();
        var all = perRun.SelectMany(s => s).ToList();
        double auc = LeadTimeRoc.Auroc(all);
        var (lo, hi) = double.IsNaN(auc) ? (double.NaN, double.NaN) : LeadTimeRoc.Bootstrap(perRun, 1000, 0);
        double threshold = Threshold(predicted.Where(kv => kv.Key.GrokStep is null).Select(kv => kv.Value.Select(s => s.P).DefaultIfEmpty(0).Max()).ToList(),
            all.Where(s => !s.Positive).Select(s => s.Value).ToList());

        int hits = 0, grokking = 0, early = 0, fp = 0, controls = 0;
        var leads = new List<long>();
        foreach (var (run, steps) in predicted)
        {
            if (run.GrokStep is long g)
            {
                grokking++;
                var first = steps.Where(s => s.P > threshold && s.Step >= g - horizon).Select(s => (long?)s.Step).Min();
                if (first is long f) { hits++; leads.Add(g - f); }
                if (steps.Any(s => s.P > threshold && s.Step < g - horizon)) early++;
            }
            else
            {
                controls++;
                if (steps.Any(s => s.P > threshold)) fp++;
            }
        }
        return new CrossValidation(scheme, groups.Count, auc, lo, hi, threshold, hits, grokking, early, fp, controls, leads, Reliability(all));
    }

    /// <summary>The alarm threshold: the (k+1)-th largest of the controls' largest predictions, k = ⌊AlarmRate · controls⌋
    /// (so at most k controls exceed it); without controls, the (1 − AlarmRate) quantile of the negative samples.</summary>
    static double Threshold(List<double> controlMaxima, List<double> negatives)
    {
        if (controlMaxima.Count == 0) return negatives.Count == 0 ? 0.5 : LeadTimeRoc.Quantile(negatives, 1 - AlarmRate);
        controlMaxima.Sort((a, b) => b.CompareTo(a));
        return controlMaxima[(int)Math.Floor(AlarmRate * controlMaxima.Count)];
    }

    /// <summary>Five equal-width reliability bins over [0, 1] (empty bins left out).</summary>
    public static GrokPredictor.Bin[] Reliability(IReadOnlyList<(bool Positive, double Value)> predictions)
    {
        const int bins = 5;
        var result = new List<GrokPredictor.Bin>();
        for (int b = 0; b < bins; b++)
        {
            double lo = (double)b / bins, hi = (double)(b + 1) / bins;
            var inBin = predictions.Where(p => p.Value >= lo && (p.Value < hi || b == bins - 1)).ToList();
            if (inBin.Count == 0) continue;
            result.Add(new GrokPredictor.Bin(lo, hi, inBin.Count, inBin.Average(p => p.Value), inBin.Count(p => p.Positive) / (double)inBin.Count));
        }
        return [.. result];
    }
}
