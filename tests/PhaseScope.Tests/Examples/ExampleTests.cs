using System.Globalization;
using System.Text.Json;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Examples;

/// <summary>
/// Every program under examples/ runs as a user would run it (<c>dotnet Example.dll STEPS</c>, tiny step counts) and
/// leaves what it promises: a stored, completed run; the report; the diagnosis line, equal to the one stored; the
/// tensors, series and events that its model and schedules imply (worked out here from the program's text, not read
/// from its output).
/// </summary>
public class ExampleTests
{
    static RunInfo Completed(string runDir, out IReadOnlyList<(long Step, double Value)> loss)
    {
        Assert.True(RunReader.IsRun(runDir), $"no run in {runDir}");
        using var reader = RunReader.Open(runDir);
        var info = reader.Info();
        Assert.Equal("completed", info.Status);
        loss = reader.Series("loss");
        return info;
    }

    static void DiagnosisIsStored(string stdout, RunInfo info)
    {
        using var summary = JsonDocument.Parse(info.SummaryJson!);
        Assert.Equal(summary.RootElement.GetProperty("diagnosis").GetString(), ExampleRunner.Line(stdout, "diagnosis"));
    }

    [Fact]
    public void MlpStoresARunWithAReportAndItsDiagnosis()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = ExampleRunner.Run(dir.Path, "Mlp", "20");
        Assert.True(code == 0, stderr);
        var run = Path.Combine(dir.Path, "runs", "mlp");
        var info = Completed(run, out var loss);
        Assert.Equal(new long[] { 10, 20 }, loss.Select(l => l.Step));   // the cheap probes every 10 steps (grok's default)
        DiagnosisIsStored(stdout, info);
        Assert.Equal(Path.Combine("runs", "mlp", "report.html"), ExampleRunner.Line(stdout, "report"));
        Assert.True(new FileInfo(Path.Combine(run, "report.html")).Length > 0);
        using var reader = RunReader.Open(run);
        // 23² = 529 pairs, 264 train: k = 8 micro-batches divide the full batch (264 = 8 · 33); the first C_α call is at step 100,
        // so a 20-step run has none, but the probe is attached
        Assert.Contains("consolidation", reader.Config()["attach.probes"].Split(','));
        Assert.Contains("curvature", reader.Config()["attach.probes"].Split(','));
        // evaluated at step 20 (the last step): 4 eval/* series
        Assert.Equal(new long[] { 20 }, reader.Series("eval/test_acc").Select(s => s.Step));
    }

    [Fact]
    public void CnnWithBatchNormWatchesItsParametersOnly()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = ExampleRunner.Run(dir.Path, "CnnBatchNorm", "20");
        Assert.True(code == 0, stderr);
        // Sequential(Conv2d 0, BatchNorm2d 1, ReLU 2, MaxPool2d 3, Flatten 4, Linear 5): weight and bias of 0, 1 and 5;
        // BatchNorm's running_mean, running_var and num_batches_tracked are buffers
        Assert.Equal("0.weight, 0.bias, 1.weight, 1.bias, 5.weight, 5.bias", ExampleRunner.Line(stdout, "watched"));
        var run = Path.Combine(dir.Path, "runs", "cnn");
        var info = Completed(run, out _);
        DiagnosisIsStored(stdout, info);
        using var reader = RunReader.Open(run);
        var names = reader.MetricNames();
        Assert.DoesNotContain(names, n => n.Contains("running_", StringComparison.Ordinal) || n.Contains("num_batches_tracked", StringComparison.Ordinal));
        Assert.Contains("param_norm/1.weight", names);
        Assert.DoesNotContain(reader.Events(), e => e.Event.Kind == "probe_failed");
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
    }

    [Fact]
    public void TransformerWithMultiheadAttentionGetsItsQkvSplit()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = ExampleRunner.Run(dir.Path, "Transformer", "100");
        Assert.True(code == 0, stderr);
        var run = Path.Combine(dir.Path, "runs", "transformer");
        var info = Completed(run, out _);
        DiagnosisIsStored(stdout, info);
        using var reader = RunReader.Open(run);
        var names = reader.MetricNames();
        // the weight spectra run at steps that are multiples of EvaluateEvery (100): q, k, v of the packed in_proj_weight one by one, and the
        // attention operator W_Qᵀ W_K of the block named "attention"
        foreach (var projection in new[] { "q_proj", "k_proj", "v_proj" })
            Assert.Contains($"weights/attention.{projection}.weight/sigma_1", names);
        Assert.DoesNotContain("weights/attention.in_proj_weight/sigma_1", names);
        Assert.Contains("attn_op/attention/sigma_1", names);
        Assert.DoesNotContain(reader.Events(), e => e.Event.Kind == "probe_failed");
    }

    [Fact]
    public void HandWrittenLoopStoresEveryStepsLoss()
    {
        using var dir = new TempDirectory();
        var (code, _, stderr) = ExampleRunner.Run(dir.Path, "HandWrittenLoop", "20");
        Assert.True(code == 0, stderr);
        Completed(Path.Combine(dir.Path, "runs", "hand-written"), out var loss);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), loss.Select(l => l.Step));   // CheapProbes.Create(every: 1)
    }

    /// <summary>Seed 003 §11.3's bands as the seed states them: p &lt; 0.40 ×0.1, &lt; 0.50 ×0.5, &lt; 0.60 ×1, &lt; 0.75 ×1.5, else ×2.</summary>
    static double Multiplier(double p) => p < 0.40 ? 0.1 : p < 0.50 ? 0.5 : p < 0.60 ? 1 : p < 0.75 ? 1.5 : 2;

    [Fact]
    public void ControllersCutTheLearningRateAtTheFirstConsolidationStep()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = ExampleRunner.Run(dir.Path, "Controllers", "12");
        Assert.True(code == 0, stderr);
        var run = Path.Combine(dir.Path, "runs", "controllers");
        Completed(run, out _);
        using var reader = RunReader.Open(run);
        var p = reader.Series("consolidation/p");
        Assert.Equal(new long[] { 5, 10 }, p.Select(x => x.Step));   // ProbeSchedule.Every(5) in 12 steps
        // the rate follows the band of each p: a change is an event at the step whose band differs from the last one's
        double rate = 1e-3;
        var expected = new List<long>();
        foreach (var (step, value) in p)
        {
            double next = 1e-3 * Multiplier(value);
            if (next != rate) expected.Add(step);
            rate = next;
        }
        Assert.Equal(expected, reader.Events().Where(e => e.Event.Kind == "lr_changed").Select(e => e.Event.Step));
        Assert.Equal(rate, double.Parse(ExampleRunner.Line(stdout, "learning rate"), CultureInfo.InvariantCulture), 15);
        Assert.True(p[0].Value < 0.40, $"labels without a rule should give a low p at the first call (got {p[0].Value})");
        Assert.Equal(5, expected[0]);   // the planted cut: ×0.1 at step 5
    }

    [Fact]
    public void CustomProbeWritesItsSeriesAtItsSchedule()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = ExampleRunner.Run(dir.Path, "CustomProbe", "30");
        Assert.True(code == 0, stderr);
        var run = Path.Combine(dir.Path, "runs", "custom-probe");
        var info = Completed(run, out _);
        DiagnosisIsStored(stdout, info);
        using var reader = RunReader.Open(run);
        var series = reader.Series("custom/max_abs_weight");
        Assert.Equal(new long[] { 10, 20, 30 }, series.Select(s => s.Step));
        Assert.All(series, s => Assert.True(s.Value > 0));
        Assert.Equal("max_abs_weight", reader.Config()["attach.probes"].Split(',')[^1]);
    }
}
