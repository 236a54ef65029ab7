using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Stability;
using PhaseScope.Tests.Monitoring;

namespace PhaseScope.Tests.Stability;

/// <summary>The instability forecast's rule on readings whose answer is known in closed form.</summary>
public class InstabilityRiskTests
{
    const double N = double.NaN;

    [Fact]
    public void ALinearlyShrinkingMarginWarnsTheFirstStepItsLineReachesTheThresholdWithinTheHorizon()
    {
        // λ/threshold = t/400 at t = 100, 200, 300: the margin reaches 0 at t = 400; with H = 90 the extrapolated ratio
        // (t + 90)/400 reaches 1 at t = 310: below it at 300 and 305, above it at 315.
        var rule = new InstabilityRisk(new InstabilityRiskOptions { Horizon = 90 });
        Assert.False(rule.Observe(100, 0.25, N, N).Warning);
        Assert.Equal(0.25, rule.Latest!.MarginPart, 12);   // one reading: no line yet
        Assert.False(rule.Observe(200, 0.5, N, N).Warning);
        Assert.Equal(290.0 / 400, rule.Latest!.MarginPart, 12);
        var at300 = rule.Observe(300, 0.75, N, N);
        Assert.Equal(390.0 / 400, at300.Risk, 12);
        Assert.Equal(400, at300.CrossingStep, 9);
        Assert.False(at300.Warning);
        Assert.False(rule.Observe(305, N, N, N).Warning);
        Assert.Equal(395.0 / 400, rule.Latest!.Risk, 12);
        var at315 = rule.Observe(315, N, N, N);
        Assert.True(at315.Warning);
        Assert.Equal(405.0 / 400, at315.Risk, 12);
        Assert.Equal("curvature", at315.Cause);
        Assert.False(rule.Observe(320, N, N, N).Warning);   // still above: no second warning
    }

    [Fact]
    public void AFallingOrFlatRatioKeepsItsLatestValueAndHasNoCrossing()
    {
        var rule = new InstabilityRisk();
        rule.Observe(100, 0.9, N, N);
        rule.Observe(200, 0.6, N, N);
        var r = rule.Observe(300, 0.3, N, N);
        Assert.Equal(0.3, r.MarginPart, 12);
        Assert.True(double.IsNaN(r.CrossingStep));
        Assert.False(r.Warning);
    }

    [Fact]
    public void TheDirectionalPartIsTheLogOfTheGrowthOverTheRecentMedianInUnitsOfG()
    {
        var rule = new InstabilityRisk(new InstabilityRiskOptions { DirectionalWindow = 4, DirectionalGrowth = 10 });
        Assert.True(double.IsNaN(rule.Observe(1, N, 2, N).DirectionalPart));   // no level yet
        rule.Observe(2, N, 1, N);
        rule.Observe(3, N, 3, N);
        rule.Observe(4, N, 2, N);   // the previous four: 2, 1, 3, 2 → median 2
        var r = rule.Observe(5, N, 10, N);
        Assert.Equal(Math.Log(5) / Math.Log(10), r.DirectionalPart, 12);
        Assert.False(r.Warning);
        // the window now holds 1, 3, 2, 10 → median 2.5; 25 is ten times it: exactly 1 (up to rounding), a warning
        var w = rule.Observe(6, N, 25, N);
        Assert.Equal(1, w.DirectionalPart, 12);
        Assert.True(w.Warning);
        Assert.Equal(0, rule.Observe(7, N, -1, N).DirectionalPart);   // negative curvature along the step: no growth
    }

    [Fact]
    public void AbsorptionScoresItsShareOverOnePercentAndNamesTheNumericalCause()
    {
        var rule = new InstabilityRisk();
        Assert.Equal(0.5, rule.Observe(100, N, N, 0.005).Risk, 12);
        var r = rule.Observe(200, 0.2, N, 0.02);
        Assert.Equal(2, r.Risk, 12);
        Assert.True(r.Warning);
        Assert.Equal("numerical", r.Cause);
    }

    [Fact]
    public void ASecondRiseWithinTheRefractoryPeriodRaisesNoWarning()
    {
        var rule = new InstabilityRisk(new InstabilityRiskOptions { Horizon = 0, Refractory = 50 });
        Assert.True(rule.Observe(10, 1.2, N, N).Warning);
        Assert.False(rule.Observe(20, 0.5, N, N).Warning);
        Assert.False(rule.Observe(30, 1.5, N, N).Warning);   // risen again 20 steps after the warning
        Assert.False(rule.Observe(40, 0.5, N, N).Warning);
        Assert.True(rule.Observe(70, 1.1, N, N).Warning);    // 60 steps after it
    }

    [Fact]
    public void BadConstantsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InstabilityRisk(new InstabilityRiskOptions { MarginReadings = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InstabilityRisk(new InstabilityRiskOptions { DirectionalGrowth = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InstabilityRisk(new InstabilityRiskOptions { WarningThreshold = double.NaN }));
    }

    /// <summary>Publishes λ_max(P⁻¹H) = 4.2·t against a threshold of 100 at every step t: the ratio 0.042·t.</summary>
    sealed class RisingSharpness : IProbe
    {
        public string Name => "rising";
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule => ProbeSchedule.Every(1);
        public IReadOnlyList<Type> Publishes => [typeof(StabilityReading)];
        public void Observe(ProbeContext context, ProbeOutput output) =>
            context.Readings.Publish(new StabilityReading(context.Step, 4.2 * context.Step, 100 - 4.2 * context.Step, null));
    }

    [Fact]
    public void TheProbeRecordsTheRiskAndRaisesOneWarningEventInsideTraining()
    {
        using var task = PhaseScope.Training.Tasks.ModularArithmetic.Create(13, PhaseScope.Training.Tasks.ModularOperation.Add, 0.5, dataSeed: 3);
        TorchSharp.torch.manual_seed(3);
        using var model = new PhaseScope.Training.Models.PreNormTransformer(PhaseScope.Training.Models.TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        var sink = new CollectingSink();
        // (t + 5)·0.042 ≥ 1 first at t = 19 (18.81 rounded up)
        using (var monitor = new PhaseMonitor(model, [new InstabilityRiskProbe(new InstabilityRiskOptions { Horizon = 5 }), new RisingSharpness()], [sink]))
            new PhaseScope.Training.Trainer(task, model, new PhaseScope.Training.TrainerOptions { Steps = 24, BatchSize = 32, EvaluateEvery = 100, Seed = 3 }) { Monitor = monitor }.Run();
        var warning = Assert.Single(sink.Events, e => e.Kind == InstabilityRiskProbe.WarningKind);
        Assert.Equal(19, warning.Step);
        Assert.Contains("(curvature)", warning.Message);
        Assert.Equal(0.042 * 24, sink.Value(19, StabilityMetrics.InstabilityRisk), 9);
        Assert.Equal(1 / 0.042, sink.Value(19, StabilityMetrics.MarginCrossingStep), 6);
    }
    /// <summary>A sequence of readings with every part moving (a rising ratio, a jumping directional sharpness, absorption)
    /// and two warnings: the readings after a save and restore into a fresh rule (and, through the probe's text state, a
    /// fresh probe) are those of the rule that went on, to the bit.</summary>
    [Fact]
    public void ARestoredRuleReadsOnAsTheOriginalToTheBit()
    {
        var options = new InstabilityRiskOptions { Horizon = 10, Refractory = 20, DirectionalWindow = 4 };
        (long Step, double Ratio, double S, double A) At(int i) => (10 * i, i % 4 == 0 ? N : 0.2 + 0.01 * (i % 7), 1 + (i % 5 == 0 ? 40 : i % 3), i % 6 == 0 ? 0.0001 * i : N);
        var original = new InstabilityRisk(options);
        var probe = new InstabilityRiskProbe(options);
        for (int i = 1; i <= 12; i++) { var x = At(i); original.Observe(x.Step, x.Ratio, x.S, x.A); probe.Rule.Observe(x.Step, x.Ratio, x.S, x.A); }
        var restored = new InstabilityRisk(options);
        restored.RestoreState(original.SaveState());
        var state = new ProbeState();
        probe.SaveState(state);
        var fromText = new InstabilityRiskProbe(options);
        fromText.LoadState(state);
        Assert.Equal(original.Latest, fromText.Rule.Latest);
        var went = new List<InstabilityRiskReading>();
        var back = new List<InstabilityRiskReading>();
        var text = new List<InstabilityRiskReading>();
        for (int i = 13; i <= 40; i++)
        {
            var x = At(i);
            went.Add(original.Observe(x.Step, x.Ratio, x.S, x.A));
            back.Add(restored.Observe(x.Step, x.Ratio, x.S, x.A));
            text.Add(fromText.Rule.Observe(x.Step, x.Ratio, x.S, x.A));
        }
        Assert.True(went.Count(r => r.Warning) >= 2, $"{went.Count(r => r.Warning)} warnings");
        Assert.Equal(went, back);
        Assert.Equal(went, text);
        var fresh = new InstabilityRisk(options);
        Assert.NotEqual(went, Enumerable.Range(13, 28).Select(i => { var x = At(i); return fresh.Observe(x.Step, x.Ratio, x.S, x.A); }).ToList());
        Assert.Throws<ArgumentException>(() => new InstabilityRisk(options with { MarginReadings = 2 }).RestoreState(original.SaveState()));
    }
}
