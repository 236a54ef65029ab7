using System.Text.Json;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Outputs.Html;

namespace PhaseScope.Tests.Diagnosis;

/// <summary>The typed run summary and the one diagnosis builder: fields and their order, the first events, the stored
/// grok threshold, the stability-margin finding and the forecast's held-out score.</summary>
public class RunSummaryTests
{
    /// <summary>Two complete evaluations (train accuracy 1, train loss 0.01) with test accuracy 0.5 at step 100 and
    /// <paramref name="test"/> at step 200.</summary>
    static List<MetricRecord> Evaluations(double test) =>
    [
        new(100, EvaluationMetrics.TrainAcc, 1), new(100, EvaluationMetrics.TestAcc, 0.5), new(100, EvaluationMetrics.TrainLoss, 0.01),
        new(200, EvaluationMetrics.TrainAcc, 1), new(200, EvaluationMetrics.TestAcc, test), new(200, EvaluationMetrics.TrainLoss, 0.01),
    ];

    [Fact]
    public void TheSummaryHasItsFieldsInOrderWithTheFirstStepOfEachSummarisedEventKind()
    {
        var diagnosis = DiagnosisBuilder.Replay(Evaluations(1.0), [], DiagnosisBuilder.DefaultGrokThreshold, lastStep: 200);
        MonitorEvent[] events =
        [
            new(150, "gap_opened", "spectral", "open"), new(120, "p_crossed_up", "consolidation", "up"), new(180, "p_crossed_up", "consolidation", "up again"),
            new(190, "loss_spike", "diagnosis", "not summarised"),
        ];
        var summary = DiagnosisBuilder.Summarise(diagnosis, 200, new FinalEvaluation(1, 1, 0.01, double.NaN), events) with { Forecast = "at step 200: P 0.9" };
        var d = summary.Compose([new("steps", 200L)]);
        // the consolidation family comes before the spectral one; the first p crossing is the one at 120 (list order, not step order)
        Assert.Equal(["diagnosis", "phase", "loss_spikes", "grokked", "grok_step", "final_train_acc", "final_test_acc", "final_train_loss", "final_test_loss",
            "steps", "p_crossed_up", "gap_opened", "gap_collapsed", "k_star_shift", "grok_forecast"], d.Keys);
        Assert.Equal("generalised", d["phase"]);
        Assert.Equal(true, d["grokked"]);
        Assert.Null(d["final_test_loss"]);   // NaN is stored as null
        Assert.Equal(120L, d["p_crossed_up"]);
        Assert.Equal(150L, d["gap_opened"]);
        Assert.Null(d["gap_collapsed"]);
        Assert.StartsWith("Generalised (test accuracy ≥ 0.95) at step 200.", (string)d["diagnosis"]!);

        // Read back from its JSON, the typed fields are the same.
        var stored = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(d))!;
        var read = RunSummary.Read(stored);
        Assert.Equal((200L, "generalised", "at step 200: P 0.9", true), (read.GrokStep, read.Phase, read.Forecast, read.HasGrokCriterion));
    }

    [Theory]
    [InlineData("""{"grok_step":1200}""", 1200L), InlineData("""{"grok_step":1e30}""", null), InlineData("""{"grok_step":12.5}""", null),
        InlineData("""{"grok_step":"1200"}""", null), InlineData("""{"grok_step":null}""", null), InlineData("{}", null)]
    public void AStoredGrokStepIsReadOnlyWhenItIsAWholeNumber(string json, long? expected) =>
        Assert.Equal(expected, RunSummary.Read(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!).GrokStep);

    [Fact]
    public void ARunWithoutAGrokCriterionHasOnlyTheDiagnosisFields()
    {
        var summary = DiagnosisBuilder.Summarise(DiagnosisBuilder.Create(), grokStep: null, grokCriterion: false);
        Assert.Equal(["diagnosis", "phase", "loss_spikes"], summary.Fields().Select(f => f.Key));
        Assert.Empty(summary.EventFields());
    }

    [Theory]
    [InlineData("0.8", 0.8), InlineData("1", 1.0), InlineData("abc", 0.95), InlineData("1.5", 0.95), InlineData("0", 0.95), InlineData("NaN", 0.95)]
    public void TheGrokThresholdIsReadFromTheConfigTable(string stored, double expected) =>
        Assert.Equal(expected, DiagnosisBuilder.GrokThresholdOf(new Dictionary<string, string> { ["grok_threshold"] = stored }));

    /// <summary>A run trained with grok threshold 0.8 whose test accuracy reaches 0.85: the report's replay reads the stored
    /// threshold and calls it generalised; with no threshold stored (0.95) the same run is not.</summary>
    [Fact]
    public void TheReportJudgesARunByTheThresholdItStored()
    {
        using var tmp = new TempDirectory();
        string Run(string name, Dictionary<string, string> config)
        {
            var dir = Path.Combine(tmp.Path, name);
            using var store = RunStore.Create(dir, name, "grok", config);
            store.Write(Evaluations(0.85));
            store.Complete("completed", "{}");
            return dir;
        }
        var with = RunReport.Diagnose(RunData.Load(Run("with", new() { [DiagnosisBuilder.GrokThresholdKey] = DiagnosisBuilder.ConfigValue(0.8) })));
        var without = RunReport.Diagnose(RunData.Load(Run("without", [])));
        Assert.Equal(RunPhase.Generalised, with.Current);
        Assert.NotEqual(RunPhase.Generalised, without.Current);
    }

    [Fact]
    public void ForAdamWTheGradientDescentMarginIsNotCalledItsStabilityMargin()
    {
        var diagnosis = DiagnosisBuilder.Create();
        string line = DiagnosisBuilder.StabilityMarginFinding(diagnosis, [(10, 3.0), (20, 0.25)], optimizer: "adamw")!;
        Assert.StartsWith("λ_max(H) stayed below 2/η (smallest S = 2/η − λ_max: 0.25)", line);
        Assert.Contains("not adamw's", line);
        Assert.DoesNotContain("Edge-of-stability margin", line);
        Assert.Contains("an adaptive optimizer's", DiagnosisBuilder.StabilityMarginFinding(diagnosis, [(10, 1.0)])!);
    }

    [Fact]
    public void TheOptimizersOwnMarginDecidesWhenItWasMeasuredAndCountsItsNegativeReadings()
    {
        // Three finite readings of threshold − λ, one negative (step 20), one NaN that is not a reading.
        var diagnosis = DiagnosisBuilder.Create();
        Assert.Equal("The optimizer's stability margin (its threshold − λ_max, docs/INSTABILITY.md) was negative at 1 of 3 measurement(s), first at step 20 (smallest -4).",
            DiagnosisBuilder.StabilityMarginFinding(diagnosis, [(10, 5.0)], [(10, 12.0), (20, -4.0), (25, double.NaN), (30, 7.0)], "adamw"));
        Assert.Equal("The optimizer's stability margin (its threshold − λ_max, docs/INSTABILITY.md) stayed positive (smallest 7).",
            DiagnosisBuilder.StabilityMarginFinding(diagnosis, [], [(10, 12.0), (30, 7.0)], "adamw"));
        Assert.Null(DiagnosisBuilder.StabilityMarginFinding(diagnosis, [], [(10, double.NaN)], "adamw"));
    }

    [Fact]
    public void TheOptimizerIsReadFromTheConfigWithGroksDefault()
    {
        Assert.Equal("muon", DiagnosisBuilder.OptimizerOf(new Dictionary<string, string> { ["optimizer"] = "muon" }, "grok"));
        Assert.Equal("adamw", DiagnosisBuilder.OptimizerOf(new Dictionary<string, string>(), "grok"));
        Assert.Equal("sgd", DiagnosisBuilder.OptimizerOf(new Dictionary<string, string> { ["attach.optimizer"] = "SGD" }, "attach"));
        Assert.Null(DiagnosisBuilder.OptimizerOf(new Dictionary<string, string>(), "analyze"));
    }

    [Fact]
    public void TheStabilityMarginFindingNamesTheSmallestMarginOnlyWhenItStayedPositive()
    {
        var diagnosis = DiagnosisBuilder.Create();
        Assert.Equal("Edge-of-stability margin S = 2/η − λ_max stayed positive (smallest 0.25).",
            DiagnosisBuilder.StabilityMarginFinding(diagnosis, [(10, 3.0), (20, 0.25), (30, 1.0)], optimizer: "sgd"));
        Assert.Null(DiagnosisBuilder.StabilityMarginFinding(diagnosis, []));
        var negative = DiagnosisBuilder.Replay([new(10, "curvature/stability_margin", -1.0)], [], 0.95);
        Assert.Null(DiagnosisBuilder.StabilityMarginFinding(negative, [(10, -1.0)]));
        Assert.Empty(DiagnosisBuilder.Findings(negative, [(10, -1.0)]));
    }

    [Fact]
    public void TheForecastSaysWhereItWasFittedAndItsHeldOutScore()
    {
        var bare = new GrokPredictor(["a"], [0], [1], [0, 1], 500, [], "t");
        Assert.Equal("fitted on: not recorded; held-out score: not measured", bare.ScoreText());
        // the optional fields as another tool writes them into grok_predictor.json
        var json = bare.ToJson().TrimEnd().TrimEnd('}') + """, "fitted_on": ["add", "sub"], "held_out": {"auroc": 0.813, "ci_low": 0.7, "ci_high": 0.9, "ops": ["mul"]} }""";
        var read = GrokPredictor.FromJson(json);
        Assert.Equal("fitted on add, sub; held-out AUROC 0.81 (95 % CI 0.70–0.90) on mul", read.ScoreText());
        Assert.DoesNotContain("fitted_on", bare.ToJson());   // absent fields are not written
    }
}
