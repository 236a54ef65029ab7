using PhaseScope.Reporting.Evaluation;

namespace PhaseScope.Tests.Verdict;

/// <summary>The baseline events on hand-built series whose firing steps are worked out by hand.</summary>
public class BaselineEventsTests
{
    static IReadOnlyList<(long, double)> S(params double[] v) => v.Select((x, i) => (100L * (i + 1), x)).ToList();

    /// <summary>
    /// Test loss 4, 5, 6, 5.8, 5.5, 5.2, 5.3, 5.0, 4.9, 4.5 (running max 6): three falls in a row first end at step 600
    /// (5.2), but 5.2 is only 13 % below 6 ≥ 10 %: fires at 600; 5.3 breaks the run (off); 5.0, 4.9, 4.5: the third fall
    /// in a row after the break is at step 1000 (4.5): fires again. Test accuracy 0.1 … with 0.5 reached at step 900:
    /// one event at 900. Train accuracy 0.95 from step 300; gap max 0.85 at 300, and the gap (0.74) falls to ≤ 0.75 first at 700.
    /// ‖θ‖ 10, 11, 12, 11.5, 11.3: 11.3 ≤ 0.95·12 = 11.4 first at step 500.
    /// </summary>
    [Fact]
    public void FiresWhereTheHandCountSays()
    {
        var series = new Dictionary<string, IReadOnlyList<(long, double)>>
        {
            ["eval/test_loss"] = S(4, 5, 6, 5.8, 5.5, 5.2, 5.3, 5.0, 4.9, 4.5),
            ["eval/test_acc"] = S(0.05, 0.1, 0.1, 0.12, 0.15, 0.18, 0.23, 0.4, 0.5, 0.6),
            ["eval/train_acc"] = S(0.2, 0.6, 0.95, 0.96, 0.96, 0.96, 0.97, 0.99, 1, 1),
            ["param_norm"] = S(10, 11, 12, 11.5, 11.3),
        };
        var events = BaselineEvents.Derive(series);
        long[] At(string kind) => events.Where(e => e.Kind == kind).Select(e => e.Step).ToArray();
        Assert.Equal([600L, 1000], At(BaselineEvents.TestLossFalling));
        Assert.Equal([900L], At(BaselineEvents.TestAccuracyHalf));
        Assert.Equal([700L], At(BaselineEvents.AccuracyGapShrinking));
        Assert.Equal([500L], At(BaselineEvents.WeightNormDecline));
        Assert.All(events, e => Assert.Equal(BaselineEvents.Source, e.Source));
    }

    /// <summary>No series, no events (a run stored without evaluations is not an error).</summary>
    [Fact]
    public void MissingSeriesGiveNoEvents() =>
        Assert.Empty(BaselineEvents.Derive(new Dictionary<string, IReadOnlyList<(long, double)>>()));
}

/// <summary>Seed 001 Test 7's weight-spectrum events on hand-built series.</summary>
public class WeightSpectrumEventsTests
{
    static IReadOnlyList<(long, double)> S(params double[] v) => v.Select((x, i) => (100L * (i + 1), x)).ToList();

    /// <summary>σ₂ = 2, 2, 1.8, 1.6, 1.5 over σ₃ = 1, 1.2, 1.3, 1.3, 1.2: g₂₃ = 3, 2.56, 1.55, 0.87, 0.81 first falls to half of 3
    /// or less at step 400. σ₁/σ₂ of a query projection
    /// 1.2, 1.4, 1.6, 1.3, 1.8: opens at 300 and again at 500; a key projection's series is not read.</summary>
    [Fact]
    public void FiresWhereTheHandCountSays()
    {
        var events = WeightSpectrumEvents.Derive(new Dictionary<string, IReadOnlyList<(long, double)>>
        {
            ["attn_op/layers.0.attn/sigma_2"] = S(2, 2, 1.8, 1.6, 1.5),
            ["attn_op/layers.0.attn/sigma_3"] = S(1, 1.2, 1.3, 1.3, 1.2),
            ["weights/layers.0.attn.q_proj.weight/ratio12"] = S(1.2, 1.4, 1.6, 1.3, 1.8),
            ["weights/layers.0.attn.k_proj.weight/ratio12"] = S(1.2, 1.4, 1.6, 1.3, 1.8),
        });
        Assert.Equal([400L], events.Where(e => e.Kind == WeightSpectrumEvents.Gap23Closed).Select(e => e.Step));
        Assert.Equal([300L, 500], events.Where(e => e.Kind == WeightSpectrumEvents.GapOpened).Select(e => e.Step));
    }
}
