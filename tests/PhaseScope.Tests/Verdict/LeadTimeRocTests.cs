using PhaseScope.Monitoring;
using PhaseScope.Reporting.Evaluation;

namespace PhaseScope.Tests.Verdict;

/// <summary>The lead-time ROC against hand counts and a brute-force pair count.</summary>
public class LeadTimeRocTests
{
    static SweepRun Run(string name, int seed, long? grok, long steps, params (string Name, (long, double)[] Points)[] series) =>
        new(name, "modular", "add", seed, grok is null ? 0 : 1, grok, steps, new List<MonitorEvent>(),
            series.ToDictionary(s => s.Name, s => (IReadOnlyList<(long, double)>)s.Points));

    static (long, double)[] Every100(long to, Func<long, double> f) =>
        Enumerable.Range(1, (int)(to / 100)).Select(i => (100L * i, f(100L * i))).ToArray();

    /// <summary>Positives {3, 4}, negatives {1, 2, 3}: of the 6 pairs, 5 are won and one (3 vs 3) tied: 5.5/6.</summary>
    [Fact]
    public void AurocCountsTiesAsHalf()
    {
        var samples = new List<(bool, double)> { (true, 3), (true, 4), (false, 1), (false, 2), (false, 3) };
        Assert.Equal(5.5 / 6, LeadTimeRoc.Auroc(samples), 12);
        Assert.True(double.IsNaN(LeadTimeRoc.Auroc([(true, 1.0)])));
    }

    /// <summary>The rank formula against counting every positive–negative pair on random data with many ties.</summary>
    [Fact]
    public void AurocMatchesPairCount()
    {
        var rng = new Random(7);
        var samples = Enumerable.Range(0, 300).Select(_ => (rng.NextDouble() < 0.3, (double)rng.Next(20))).ToList();
        double won = 0;
        int pairs = 0;
        foreach (var p in samples.Where(s => s.Item1))
            foreach (var n in samples.Where(s => !s.Item1))
            {
                pairs++;
                won += p.Item2 > n.Item2 ? 1 : p.Item2 == n.Item2 ? 0.5 : 0;
            }
        Assert.Equal(won / pairs, LeadTimeRoc.Auroc(samples), 12);
    }

    /// <summary>A run grokking at 1000, evaluated every 100 steps, H = 300: steps 700, 800, 900 are positive (1000 − t ≤ 300),
    /// 100–600 negative, 1000 onward left out. A control evaluated to 1000 gives 10 negatives.</summary>
    [Fact]
    public void LabelsFollowTheHorizon()
    {
        var grok = Run("g", 1, 1000, 1500, ("eval/test_acc", Every100(1500, t => t)));
        var samples = LeadTimeRoc.Samples(grok, VerdictObservables.Step, 300, LeadTimeRoc.Grid(grok));
        Assert.Equal([700L, 800, 900], samples.Where(s => s.Positive).Select(s => (long)s.Value));
        Assert.Equal([100L, 200, 300, 400, 500, 600], samples.Where(s => !s.Positive).Select(s => (long)s.Value));
        var control = Run("c", 1, null, 1000, ("eval/test_acc", Every100(1000, t => t)));
        Assert.All(LeadTimeRoc.Samples(control, VerdictObservables.Step, 300, LeadTimeRoc.Grid(control)), s => Assert.False(s.Positive));
    }

    /// <summary>An observable that is 1 exactly in the last H steps before grokking and 0 elsewhere separates perfectly:
    /// AUROC 1 and every bootstrap replicate 1; its negation gives 0.</summary>
    [Fact]
    public void PerfectSeparationHasADegenerateInterval()
    {
        var runs = new[] { 1000L, 1400, 1800 }.Select((g, i) => Run($"g{i}", i, g, 2000,
                ("eval/test_acc", Every100(2000, _ => 0)), ("param_norm", Every100(2000, t => t >= g - 500 ? 1 : 0))))
            .Append(Run("c", 9, null, 2000, ("eval/test_acc", Every100(2000, _ => 0)), ("param_norm", Every100(2000, _ => 0)))).ToList();
        var s = LeadTimeRoc.Evaluate(runs, "param_norm", 500, replicates: 200);
        Assert.Equal((1.0, 1.0, 1.0), (s.Auroc, s.Low, s.High));
        // Grok steps 1000, 1400, 1800 give 9, 13, 17 steps before grokking, 5 of each positive; the control 20 negatives.
        Assert.Equal((15, 4 + 8 + 12 + 20, 4), (s.Positives, s.Negatives, s.Runs));
        Assert.Equal(0.0, LeadTimeRoc.Evaluate(runs.Select(r => r with { Series = r.Series.ToDictionary(kv => kv.Key,
            kv => (IReadOnlyList<(long, double)>)kv.Value.Select(p => (p.Item1, -p.Item2)).ToList()) }).ToList(), "param_norm", 500, replicates: 0).Auroc);
    }
}
