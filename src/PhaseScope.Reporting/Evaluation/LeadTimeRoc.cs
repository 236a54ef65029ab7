using PhaseScope.Monitoring;
namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// Lead-time-aware ROC of a continuous observable. Every evaluation step t of every run before its
/// grok step g (controls: up to their last step) is one sample: positive when the run groks within the next H steps
/// (t &lt; g ≤ t + H), negative otherwise (it groks later, or never); its score is the observable's last reading at or
/// before t (<see cref="VerdictObservables.Value"/>). AUROC is the Mann–Whitney probability that a positive sample
/// scores above a negative one (ties count ½): 0.5 separates nothing, 1 ranks every "about to grok" step above every
/// other, 0 the reverse (the observable falls towards grokking; 1 − AUROC is then its separation). Samples of one run
/// are not independent, so the 95 % interval resamples runs, not samples (percentile bootstrap).
/// </summary>
public static class LeadTimeRoc
{
    /// <summary>One observable at one horizon.</summary>
    /// <param name="Observable">Series or derived observable name.</param>
    /// <param name="Horizon">H in steps.</param>
    /// <param name="Auroc">AUROC over all samples (NaN without positives or negatives).</param>
    /// <param name="Low">2.5 % bootstrap quantile.</param>
    /// <param name="High">97.5 % bootstrap quantile.</param>
    /// <param name="Positives">Positive samples.</param>
    /// <param name="Negatives">Negative samples.</param>
    /// <param name="Runs">Runs with at least one sample.</param>
    public sealed record Score(string Observable, long Horizon, double Auroc, double Low, double High, int Positives, int Negatives, int Runs)
    {
        /// <summary>max(AUROC, 1 − AUROC): how well the observable separates, whichever way it moves. Reading the
        /// direction off the same data that scores it flatters weak observables slightly; compare with <see cref="VerdictObservables.Step"/>.</summary>
        public double Separation => Math.Max(Auroc, 1 - Auroc);
    }

    /// <summary>The (label, score) samples of one run: labels true within H steps before the grok step.</summary>
    /// <param name="run">The run.</param>
    /// <param name="observable">Observable name.</param>
    /// <param name="horizon">H.</param>
    /// <param name="grid">Evaluation steps of the run (ascending).</param>
    public static List<(bool Positive, double Value)> Samples(SweepRun run, string observable, long horizon, IEnumerable<long> grid)
    {
        var samples = new List<(bool, double)>();
        foreach (var t in grid)
        {
            if (run.GrokStep is long g && t >= g) break;   // grokked already: no longer a question
            if (t > run.Steps) break;
            if (VerdictObservables.Value(run, observable, t) is not double v) continue;
            samples.Add((run.GrokStep is long gs && gs - t <= horizon, v));
        }
        return samples;
    }

    /// <summary>The evaluation steps of a run: those of its test-accuracy series (every evaluation).</summary>
    public static IReadOnlyList<long> Grid(SweepRun run) =>
        run.Series.TryGetValue(EvaluationMetrics.TestAcc, out var s) ? s.Select(p => p.Step).ToList() : [];

    /// <summary>Scores <paramref name="observable"/> at horizon <paramref name="horizon"/> over <paramref name="runs"/>.</summary>
    /// <param name="runs">Runs.</param>
    /// <param name="observable">Observable name.</param>
    /// <param name="horizon">H ≥ 1 steps.</param>
    /// <param name="replicates">Bootstrap replicates (replicates without a positive or a negative are skipped).</param>
    /// <param name="seed">Bootstrap seed (fixed: the report is reproducible).</param>
    public static Score Evaluate(IReadOnlyList<SweepRun> runs, string observable, long horizon, int replicates = 1000, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(replicates);
        var perRun = runs.Select(r => Samples(r, observable, horizon, Grid(r))).Where(s => s.Count > 0).ToList();
        var all = perRun.SelectMany(s => s).ToList();
        int pos = all.Count(s => s.Positive), neg = all.Count - pos;
        double auc = Auroc(all);
        var (lo, hi) = double.IsNaN(auc) ? (double.NaN, double.NaN) : Bootstrap(perRun, replicates, seed);
        return new Score(observable, horizon, auc, lo, hi, pos, neg, perRun.Count);
    }

    /// <summary>95 % percentile-bootstrap interval of the AUROC, resampling whole runs (each list: one run's samples)
    /// with replacement; replicates without a positive or a negative are skipped (NaN, NaN when none is left).</summary>
    public static (double Low, double High) Bootstrap(IReadOnlyList<List<(bool Positive, double Value)>> perRun, int replicates, int seed)
    {
        if (perRun.Count == 0 || replicates <= 0) return (double.NaN, double.NaN);
        var rng = new Random(seed);
        var values = new List<double>(replicates);
        var sample = new List<(bool, double)>();
        for (int b = 0; b < replicates; b++)
        {
            sample.Clear();
            for (int i = 0; i < perRun.Count; i++) sample.AddRange(perRun[rng.Next(perRun.Count)]);
            double a = Auroc(sample);
            if (!double.IsNaN(a)) values.Add(a);
        }
        return values.Count == 0 ? (double.NaN, double.NaN) : (Quantile(values, 0.025), Quantile(values, 0.975));
    }

    /// <summary>Mann–Whitney AUROC: P(score of a positive &gt; score of a negative) + ½ P(equal), by sorting
    /// (O(n log n); ties share their average rank). NaN without positives or negatives.</summary>
    public static double Auroc(IReadOnlyList<(bool Positive, double Value)> samples)
    {
        int n = samples.Count;
        var values = new double[n];
        var positive = new bool[n];
        long pos = 0;
        for (int i = 0; i < n; i++) { values[i] = samples[i].Value; positive[i] = samples[i].Positive; if (positive[i]) pos++; }
        long neg = n - pos;
        if (pos == 0 || neg == 0) return double.NaN;
        Array.Sort(values, positive);
        double rankSum = 0;   // sum of the positives' 1-based ranks, ties averaged
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && values[j + 1] == values[i]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (positive[k]) rankSum += rank;
            i = j + 1;
        }
        return (rankSum - pos * (pos + 1) / 2.0) / ((double)pos * neg);
    }

    /// <summary>Linear-interpolation quantile (type 7) of <paramref name="values"/> (sorted in place).</summary>
    public static double Quantile(List<double> values, double q)
    {
        values.Sort();
        double h = (values.Count - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, values.Count - 1);
        return values[lo] + (h - lo) * (values[hi] - values[lo]);
    }
}
