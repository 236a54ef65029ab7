using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Tests.Diagnosis;

/// <summary>The live forecast sink, the built-in model and the LLC turn rule.</summary>
public class GrokForecastTests
{
    /// <summary>One feature a with μ = 0, s = 1, coefficients b = −1, w = 2: after a = 3 arrives (φ(3) = ln 4), the
    /// evaluation at step 200 records P = σ(−1 + 2 ln 4) and the observed share of its calibration bin (0.8–1.0: 0.9).</summary>
    [Fact]
    public void RecordsTheProbabilityAtEachEvaluation()
    {
        var model = new GrokPredictor(["a"], [0], [1], [-1, 2], 500,
            [new GrokPredictor.Bin(0, 0.2, 5, 0.1, 0.0), new GrokPredictor.Bin(0.8, 1.0, 5, 0.9, 0.9)], "test");
        var recorded = new List<MetricRecord>();
        var sink = new GrokForecastSink(model, recorded.AddRange, _ => throw new InvalidOperationException("no event expected"));
        sink.Write([new MetricRecord(150, "a", 3)]);
        Assert.Empty(recorded);
        sink.Write([new MetricRecord(200, "eval/test_acc", 0.1)]);
        double p = 1 / (1 + Math.Exp(-(-1 + 2 * Math.Log(4))));
        Assert.Equal([GrokForecastSink.Metric, GrokForecastSink.ObservedMetric], recorded.Select(r => r.Name));
        Assert.Equal(p, recorded[0].Value, 12);
        Assert.Equal(0.9, recorded[1].Value);
        Assert.All(recorded, r => Assert.Equal(200, r.Step));
        Assert.Equal($"P(grok within 500 steps) {p.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)} (experimental; fitted on: not recorded; held-out score: not measured)", sink.Describe());
    }

    /// <summary>The built-in model says where it may be trusted: the tasks it was fitted on, and a held-out score measured
    /// on operations outside them (its interval containing it), so the terminal, summary and report never show it with
    /// only its fitting sweep's reliability.</summary>
    [Fact]
    public void TheBuiltInModelCarriesItsFittingTasksAndAScoreOnOthers()
    {
        var model = GrokPredictor.BuiltIn();
        var fitted = Assert.IsType<string[]>(model.FittedOn);
        Assert.NotEmpty(fitted);
        var held = Assert.IsType<GrokPredictor.HeldOutScore>(model.HeldOut);
        var ops = Assert.IsType<string[]>(held.Ops);
        Assert.NotEmpty(ops);
        Assert.Empty(ops.Intersect(fitted.Select(t => t[(t.LastIndexOf('/') + 1)..])));   // "modular/add" fits op "add"
        Assert.InRange(held.Auroc, held.CiLow, held.CiHigh);
        Assert.Contains($"held-out AUROC {held.Auroc.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}", model.ScoreText());
    }

    /// <summary>The terminal's progress line shows the forecast with the tasks it was fitted on and its held-out score,
    /// whether or not a held-out score was measured.</summary>
    [Fact]
    public void TheProgressLineShowsWhereTheForecastWasFitted()
    {
        var bare = new GrokPredictor(["a"], [0], [1], [0, 1], 500, [], "t") { FittedOn = ["modular/add"] };
        var scored = bare with { HeldOut = new GrokPredictor.HeldOutScore(0.61, 0.4, 0.8, ["sub"]) };
        foreach (var (model, said) in new[] { (bare, "fitted on modular/add; held-out score: not measured"), (scored, "fitted on modular/add; held-out AUROC 0.61 (95 % CI 0.40–0.80) on sub") })
        {
            var forecast = new GrokForecastSink(model, _ => { }, _ => { });
            var readings = new PhaseScope.Cli.Commands.TrainingRun.LatestReadings([]) { Forecast = forecast };
            forecast.Write([new MetricRecord(100, "eval/test_acc", 0.1)]);   // z = 0: P = σ(0) = 0.5
            Assert.Equal($"  P(grok≤500) 0.50 ({said})", readings.Describe());
        }
    }

    /// <summary>A throwing record callback is reported once as an event and the sink falls silent.</summary>
    [Fact]
    public void AFailureIsReportedOnceAndTrainingGoesOn()
    {
        var events = new List<MonitorEvent>();
        var sink = new GrokForecastSink(new GrokPredictor(["a"], [0], [1], [0, 1], 500, [], "t"), _ => throw new IOException("disk full"), events.Add);
        sink.Write([new MetricRecord(100, "eval/test_acc", 0)]);
        sink.Write([new MetricRecord(200, "eval/test_acc", 0)]);
        Assert.Equal("forecast_failed", Assert.Single(events).Kind);
        Assert.Contains("disk full", events[0].Message);
    }

    /// <summary>The shipped model loads and names families' metrics, not evaluation series.</summary>
    [Fact]
    public void TheBuiltInModelLoads()
    {
        var m = GrokPredictor.BuiltIn();
        Assert.NotEmpty(m.Features);
        Assert.DoesNotContain(m.Features, f => f.StartsWith("eval/", StringComparison.Ordinal));
        Assert.Equal(500, m.Horizon);
        Assert.NotEmpty(m.Calibration);
    }

    /// <summary>Rises then falls by more than twice the combined standard error: a peak at the middle reading; within
    /// noise, or monotone: nothing.</summary>
    [Fact]
    public void LlcTurnNeedsTwoMovesBeyondNoise()
    {
        Assert.Contains("peaked at step 2000", LlcProbe.Turn([(1000, 10, 1), (2000, 20, 1), (3000, 12, 1)]));
        Assert.Contains("bottomed out", LlcProbe.Turn([(1000, 20, 1), (2000, 10, 1), (3000, 16, 1)]));
        Assert.Null(LlcProbe.Turn([(1000, 10, 1), (2000, 20, 1), (3000, 18, 1)]));   // the fall 2 < 2·√2
        Assert.Null(LlcProbe.Turn([(1000, 10, 1), (2000, 20, 1), (3000, 30, 1)]));
        Assert.Null(LlcProbe.Turn([(1000, 10, 1), (2000, 20, 1)]));
    }
}
