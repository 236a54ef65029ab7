using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Evaluation;

namespace PhaseScope.Tests.Verdict;

/// <summary>The logistic fit against its closed form, the model file's checks, and cross-validation on a sweep with a planted signal.</summary>
public class CombinedPredictorTests
{
    /// <summary>One binary feature, no penalty to speak of: the maximum-likelihood fit reproduces the empirical odds,
    /// b = logit(P(y | x = 0)) and b + w = logit(P(y | x = 1)). Here 2 of 8 and 6 of 8: b = ln(1/3), w = ln 3 − ln(1/3) = 2 ln 3.</summary>
    [Fact]
    public void FitMatchesTheEmpiricalLogOdds()
    {
        var x = new List<double[]>();
        var y = new List<bool>();
        for (int i = 0; i < 8; i++) { x.Add([0]); y.Add(i < 2); }
        for (int i = 0; i < 8; i++) { x.Add([1]); y.Add(i < 6); }
        var w = LogisticRegression.Fit(x, y, lambda: 1e-9);
        Assert.Equal(Math.Log(1.0 / 3), w[0], 6);
        Assert.Equal(2 * Math.Log(3), w[1], 6);
        Assert.Equal(0.75, LogisticRegression.Predict(w, [1]), 6);
    }

    /// <summary>With a ridge λ the stationarity condition Σ (yᵢ − pᵢ) xᵢ = λ w holds at the fit (checked in float64).</summary>
    [Fact]
    public void RidgeFitIsStationary()
    {
        var rng = new Random(3);
        var x = Enumerable.Range(0, 200).Select(_ => new[] { rng.NextDouble() * 4 - 2, rng.NextDouble() }).ToList();
        var y = x.Select(r => rng.NextDouble() < 1 / (1 + Math.Exp(-(2 * r[0] - 1)))).ToList();
        var w = LogisticRegression.Fit(x, y, lambda: 2.0);
        for (int j = 0; j < 2; j++)
        {
            double g = Enumerable.Range(0, x.Count).Sum(i => ((y[i] ? 1 : 0) - LogisticRegression.Predict(w, x[i])) * x[i][j]);
            Assert.Equal(2.0 * w[j + 1], g, 8);
        }
        Assert.Equal(0, Enumerable.Range(0, x.Count).Sum(i => (y[i] ? 1 : 0) - LogisticRegression.Predict(w, x[i])), 8);
    }

    /// <summary>The shipped model's file: a round trip keeps every number, and malformed files are refused with the reason.</summary>
    [Fact]
    public void ModelFileRoundTripsAndRefusesBadInput()
    {
        var m = new GrokPredictor(["a", "b"], [0.5, -1], [2, 1], [0.1, 1, -1], 500, [new GrokPredictor.Bin(0, 0.2, 10, 0.1, 0.2)], "test");
        var back = GrokPredictor.FromJson(m.ToJson());
        Assert.Equal(m.Coefficients, back.Coefficients);
        Assert.Equal(m.Calibration, back.Calibration);
        // z = ((φ(3) − 0.5)/2, 0): P = σ(0.1 + (ln 4 − 0.5)/2).
        double expected = 1 / (1 + Math.Exp(-(0.1 + (Math.Log(4) - 0.5) / 2)));
        Assert.Equal(expected, back.Probability(f => f == "a" ? 3 : null), 12);
        Assert.Contains("coefficients", Assert.Throws<FormatException>(() => GrokPredictor.FromJson(m.ToJson().Replace("-1\n  ],\n  \"horizon\"", "\n  ],\n  \"horizon\"").Replace("1,\n    \n", "1\n"))).Message);
        Assert.Contains("Not a grok predictor", Assert.Throws<FormatException>(() => GrokPredictor.FromJson("{")).Message);
        Assert.Contains("positive", Assert.Throws<FormatException>(() => GrokPredictor.FromJson(m.ToJson().Replace("\"scale\": [\n    2,", "\"scale\": [\n    0,"))).Message);
    }

    /// <summary>Six runs over three seeds: each seed has a grokking run (g = 1000 + 200·seed) and a
    /// control. The feature param_norm is 1 in the 500 steps before grokking and 0 elsewhere (plus noise far below 1): every
    /// held-out seed is predicted perfectly (AUROC 1), every grokking run is alarmed in its window, none early, and no control at all.</summary>
    [Fact]
    public void CrossValidationFindsAPlantedSignal()
    {
        var rng = new Random(11);
        (long, double)[] Every100(Func<long, double> f) => Enumerable.Range(1, 30).Select(i => (100L * i, f(100L * i))).ToArray();
        SweepRun Run(int seed, long? g) => new($"s{seed}{(g is null ? "c" : "g")}", "modular", "add", seed, g is null ? 0 : 1, g, 3000, new List<MonitorEvent>(),
            new Dictionary<string, IReadOnlyList<(long, double)>>
            {
                ["eval/test_acc"] = Every100(_ => 0),
                ["param_norm"] = Every100(t => (g is long gs && t >= gs - 500 && t < gs ? 1 : 0) + 0.01 * rng.NextDouble()),
            });
        var runs = Enumerable.Range(1, 3).SelectMany(s => new[] { Run(s, 1000 + 200 * s), Run(s, null) }).ToList();
        var cv = CombinedPredictor.Validate(runs, 500, r => r.Seed.ToString(), "leave one seed out")!;
        Assert.Equal(3, cv.Folds);
        Assert.Equal(1.0, cv.Auroc);
        Assert.Equal((3, 3, 0, 0, 3), (cv.Hits, cv.Grokking, cv.EarlyAlarms, cv.FalsePositives, cv.Controls));
        Assert.All(cv.Leads, l => Assert.Equal(500, l));
        Assert.Null(CombinedPredictor.Validate(runs, 500, _ => "one", "one group"));
    }
}
