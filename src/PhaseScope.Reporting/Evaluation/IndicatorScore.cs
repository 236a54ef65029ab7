namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// How well one event kind announces grokking over a sweep (the claims tested are seed 001 §27 "gap dynamics
/// precede every grokking event with weight decay and none without", seed 003's "p crosses 0.5 at the transition" and
/// seed 000's order gained/lost).
/// <list type="bullet">
/// <item>Hit rate: the share of grokking runs with an event of the kind in the window [g − W, g] before their grok step g.</item>
/// <item>Lead time: g minus the step of the first such event (the earliest warning the window admits): median and range over hits.</item>
/// <item>False-positive rate, matched: the share of control runs (never grokked) with an event of the kind in [s − W, s],
/// where s is the grok step of the grokking run of the same cell (task, operation, seed; other weight decay) or, without
/// one, the median grok step of all grokking runs. This is the window a hit would have been counted in.</item>
/// <item>False-positive rate, anywhere: the share of control runs with an event of the kind at any step. The seeds'
/// "0 % false positives" is this stricter reading.</item>
/// </list>
/// </summary>
/// <param name="Kind">Event kind.</param>
/// <param name="Source">Probe(s) that emit it.</param>
/// <param name="Hits">Grokking runs with the event in their window.</param>
/// <param name="Grokking">Grokking runs.</param>
/// <param name="LeadTimes">grok step − first event step in the window, one per hit.</param>
/// <param name="MatchedFalsePositives">Control runs with the event in the matched window.</param>
/// <param name="AnywhereFalsePositives">Control runs with the event anywhere.</param>
/// <param name="Controls">Control runs.</param>
public sealed record IndicatorScore(string Kind, string Source, int Hits, int Grokking, IReadOnlyList<long> LeadTimes,
    int MatchedFalsePositives, int AnywhereFalsePositives, int Controls)
{
    /// <summary>Hits / grokking runs (NaN without grokking runs).</summary>
    public double HitRate => Grokking == 0 ? double.NaN : (double)Hits / Grokking;

    /// <summary>Matched false positives / control runs (NaN without controls or a reference grok step).</summary>
    public double MatchedFalsePositiveRate => Controls == 0 ? double.NaN : (double)MatchedFalsePositives / Controls;

    /// <summary>Anywhere false positives / control runs (NaN without controls).</summary>
    public double AnywhereFalsePositiveRate => Controls == 0 ? double.NaN : (double)AnywhereFalsePositives / Controls;

    /// <summary>Median lead time (NaN without hits); the mean of the middle two for an even count.</summary>
    public double MedianLead => Median(LeadTimes.Select(l => (double)l).ToList());

    /// <summary>Scores every event kind any run emitted, in order of kind.</summary>
    /// <param name="runs">The sweep's completed runs.</param>
    /// <param name="window">W, steps before the grok step in which an event counts.</param>
    public static IReadOnlyList<IndicatorScore> Score(IReadOnlyList<SweepRun> runs, long window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        var grokking = runs.Where(r => r.Grokked).ToList();
        var controls = runs.Where(r => !r.Grokked).ToList();
        var matchedSteps = controls.Select(c => MatchedStep(c, runs)).ToList();   // once per control, not per kind

        var kinds = runs.SelectMany(r => r.Events).GroupBy(e => e.Kind).OrderBy(g => g.Key, StringComparer.Ordinal);
        var scores = new List<IndicatorScore>();
        foreach (var kind in kinds)
        {
            var source = string.Join(", ", kind.Select(e => e.Source).Distinct().Order(StringComparer.Ordinal));
            var leads = new List<long>();
            foreach (var run in grokking)
            {
                long g = run.GrokStep!.Value;
                var first = run.Events.Where(e => e.Kind == kind.Key && e.Step >= g - window && e.Step <= g).Select(e => (long?)e.Step).Min();
                if (first is long f) leads.Add(g - f);
            }
            int matched = 0, anywhere = 0;
            for (int c = 0; c < controls.Count; c++)
            {
                var steps = controls[c].Events.Where(e => e.Kind == kind.Key).Select(e => e.Step).ToList();
                if (steps.Count > 0) anywhere++;
                if (matchedSteps[c] is long s && steps.Any(st => st >= s - window && st <= s)) matched++;
            }
            scores.Add(new IndicatorScore(kind.Key, source, leads.Count, grokking.Count, leads, matched, anywhere, controls.Count));
        }
        return scores;
    }

    /// <summary>Where a control's window sits: the grok step of the grokking run of its cell, else the median grok step
    /// of all grokking runs (rounded), else null (nothing grokked).</summary>
    public static long? MatchedStep(SweepRun control, IReadOnlyList<SweepRun> runs)
    {
        if (runs.FirstOrDefault(g => g.Grokked && g.Cell == control.Cell)?.GrokStep is long paired) return paired;
        double median = Median(runs.Where(r => r.Grokked).Select(r => (double)r.GrokStep!.Value).ToList());
        return double.IsNaN(median) ? null : (long)Math.Round(median);
    }

    static double Median(List<double> values)
    {
        if (values.Count == 0) return double.NaN;
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
