using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Tests.Monitoring.Descriptors;

public class MetricDescriptorTests
{
    [Fact]
    public void APatternMatchesOneSegmentAndNamesEachLineAfterIt()
    {
        var sigma = new MetricDescriptor("spectral/sigma_*", "σ_*", "");
        Assert.True(sigma.Matches("spectral/sigma_3"));
        Assert.False(sigma.Matches("spectral/sigma_"));            // the segment is not empty
        Assert.False(sigma.Matches("spectral/sigma_3/wq"));       // nor does it hold a '/'
        Assert.False(sigma.Matches("spectral/k_star"));
        Assert.Equal("σ_12", sigma.LabelOf("spectral/sigma_12"));
        // Numeric segments in numeric order (10 after 9, not after 1).
        Assert.Equal(["spectral/sigma_1", "spectral/sigma_2", "spectral/sigma_10"],
            sigma.SeriesIn(["spectral/sigma_10", "spectral/k_star", "spectral/sigma_2", "spectral/sigma_1"]));
        var layer = new MetricDescriptor("weights/*/ratio12", "weights/*", "");
        Assert.Equal("weights/embed.weight", layer.LabelOf("weights/embed.weight/ratio12"));
        Assert.False(layer.Matches("weights/embed.weight/alpha"));
    }

    [Fact]
    public void SummariesFollowTheAggregate()
    {
        (long, double)[] s = [(10, 0.2), (20, double.NaN), (30, 0.6), (40, 0.4), (50, 0.7)];
        Assert.Equal(0.7, MetricSummary.Of(new MetricDescriptor("m", "m", "") { Aggregate = MetricAggregate.Last }, s));
        Assert.Equal(0.2, MetricSummary.Of(new MetricDescriptor("m", "m", "") { Aggregate = MetricAggregate.Min }, s));
        Assert.Equal(0.7, MetricSummary.Of(new MetricDescriptor("m", "m", "") { Aggregate = MetricAggregate.Max }, s));
        Assert.Equal(30, MetricSummary.Of(new MetricDescriptor("m", "m", "") { Aggregate = MetricAggregate.FirstCrossing, Threshold = 0.5 }, s));
        Assert.Null(MetricSummary.Of(new MetricDescriptor("m", "m", "") { Aggregate = MetricAggregate.FirstCrossing, Threshold = 0.9 }, s));
        Assert.Null(MetricSummary.Of(new MetricDescriptor("m", "m", "") { Aggregate = MetricAggregate.Last }, []));
    }

    [Theory]
    [InlineData("loss spikes", "loss spike")]
    [InlineData("order losses", "order loss")]
    [InlineData("task switches", "task switch")]
    [InlineData("gradient recoveries", "gradient recovery")]
    [InlineData("gap collapses", "gap collapse")]
    public void OneEventIsNamedInTheSingular(string plural, string singular) =>
        Assert.Equal(singular, new EventDescriptor("k", plural, "").Singular);

    /// <summary>Every built-in metric and event is declared once, with a meaning; every charted metric names a chart of its family;
    /// the names that stored runs hold are the ones the probes write.</summary>
    [Fact]
    public void BuiltInFamiliesAreWellFormed()
    {
        var families = MetricFamilies.BuiltIn;
        Assert.Equal(families.Count, families.Select(f => f.Id).Distinct().Count());
        var metrics = families.SelectMany(f => f.Metrics).ToList();
        Assert.Equal(metrics.Count, metrics.Select(m => m.Name).Distinct().Count());
        var kinds = families.SelectMany(f => f.Events).Select(e => e.Kind).ToList();
        Assert.Equal(kinds.Count, kinds.Distinct().Count());
        foreach (var f in families)
        {
            foreach (var m in f.Metrics)
            {
                Assert.False(string.IsNullOrWhiteSpace(m.Legend), $"{m.Name} has no legend");
                if (m.Chart is { } c) Assert.Contains(f.Charts, x => x.Id == c);
                if (m.StandardErrorOf is { } of) Assert.Contains(f.Metrics, x => x.Name == of);
                Assert.True(m.Aggregate != MetricAggregate.FirstCrossing || m.Threshold is not null, $"{m.Name} crosses no threshold");
            }
            foreach (var chart in f.Charts) Assert.Contains(f.Metrics, m => m.Chart == chart.Id);
            Assert.EndsWith(".", f.MissingText());
        }
        // Stored names the probes write (the strings, not the constants: a renamed constant must fail here).
        foreach (var name in new[] { "loss", "grad_norm", "param_norm", "update_norm", "dist_from_init", "eval/test_acc", "consolidation/p", "curvature/lambda_max",
                     "spectral/k_star", "spectral/gap_ratio", "moments/m_cap", "moments/d0", "llc/lambda_hat", "forecast/p_grok" })
            Assert.True(MetricFamilies.Describe(name) is not null, $"{name} is not described");
        Assert.Equal("σ_4", MetricFamilies.Describe("spectral/sigma_4")!.LabelOf("spectral/sigma_4"));
        Assert.Equal("K = 8", MetricFamilies.Describe("moments/q_hat@8")!.LabelOf("moments/q_hat@8"));
    }

    [Fact]
    public void ALossSpikeReadsItsRatioFromItsMessage()
    {
        var spike = MetricFamilies.DescribeEvent("loss_spike")!;
        var e = new MonitorEvent(1590, "loss_spike", "diagnosis",
            "Loss spike: training loss 12.5 at step 1590 is 1.09E+5× its median 0.000115 over the previous 50 measurements (threshold 5×, and 6 robust standard deviations of log loss).");
        Assert.Equal(1.09e5, spike.Magnitude!(e));
        Assert.Null(spike.Magnitude!(e with { Message = "Loss spike without numbers." }));
    }

    /// <summary>The verdict loads exactly the series the descriptors flag as indicators: the list it kept by hand before
    /// it read them (seed 001's gap ratio, g₂₃, k*; seed 003's p, smoothed p, C_α, α; λ_max; m∩, d₀ and the global Q̂_α;
    /// ‖θ‖; λ̂; the four evaluation series; the weight and attention spectra), and nothing else: not the accuracy gap it
    /// derives, not Q̂_α's per-tensor copies, not the cheap probes' other norms.</summary>
    [Theory]
    [InlineData("spectral/gap_ratio", true), InlineData("spectral/g23", true), InlineData("spectral/k_star", true)]
    [InlineData("consolidation/p", true), InlineData("consolidation/p_smoothed", true), InlineData("consolidation/c_alpha", true), InlineData("consolidation/tail_index", true)]
    [InlineData("curvature/lambda_max", true), InlineData("moments/m_cap", true), InlineData("moments/d0", true), InlineData("moments/q_hat@2", true)]
    [InlineData("param_norm", true), InlineData("llc/lambda_hat", true)]
    [InlineData("eval/test_loss", true), InlineData("eval/test_acc", true), InlineData("eval/train_loss", true), InlineData("eval/train_acc", true)]
    [InlineData("weights/blocks.0.wq/ratio12", true), InlineData("weights/blocks.0.wq/alpha", true), InlineData("attn_op/block0/ratio23", true), InlineData("attn_op/block0/sigma_3", true)]
    [InlineData("eval/acc_gap", false), InlineData("moments/q_hat@2/blocks.0.wq", false), InlineData("grad_norm", false), InlineData("dist_from_init", false), InlineData("loss", false), InlineData("monitor/seconds/loss", false)]
    public void TheVerdictLoadsTheIndicatorsTheDescriptorsFlag(string name, bool loaded) =>
        Assert.Equal(loaded, PhaseScope.Reporting.Evaluation.VerdictObservables.Includes(name));
}
