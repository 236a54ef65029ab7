using Parquet;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Outputs.Html;

namespace PhaseScope.Tests.Reporting;

public class ReportTests
{
    /// <summary>A small run store: accuracies, p, two events, a grok event, and (optionally) spectral metrics.</summary>
    static string MakeRun(string root, string name, long grokStep, bool spectral, bool complete = true)
    {
        var dir = Path.Combine(root, name);
        using var store = RunStore.Create(dir, name, "grok", new Dictionary<string, string> { ["seed"] = "1" });
        for (long s = 10; s <= 100; s += 10)
        {
            var m = new List<MetricRecord> { new(s, "eval/train_acc", Math.Min(1, s / 50.0)), new(s, "eval/test_acc", s >= grokStep ? 0.99 : 0.1), new(s, "loss", 1.0 / s), new(s, "consolidation/p", s / 100.0) };
            if (spectral) m.AddRange([new(s, "spectral/k_star", 2), new(s, "spectral/gap_ratio", 1 + s / 10.0), new(s, "spectral/sigma_1", 3), new(s, "spectral/sigma_2", 1)]);
            store.Write(m);
        }
        store.Write(new MonitorEvent(30, "p_crossed_up", "consolidation", "p rose above 0.5 <b>"));
        store.Write(new MonitorEvent(grokStep, "grokked", "trainer", "test accuracy reached 0.95"));
        if (complete) store.Complete("completed", $$"""{"grokked":true,"grok_step":{{grokStep}},"wall_seconds":10}""");
        else store.Flush();
        return dir;
    }

    /// <summary>The forecast/LLC section appears only in runs that recorded either, with both charts.</summary>
    [Fact]
    public void ForecastAndLlcSectionOnlyWhenRecorded()
    {
        using var tmp = new TempDirectory();
        var without = MakeRun(tmp.Path, "a", 60, spectral: false);
        RunReport.Write(without, Path.Combine(tmp.Path, "a.html"));
        Assert.DoesNotContain("<section id=\"forecast\"", File.ReadAllText(Path.Combine(tmp.Path, "a.html")));

        var dir = Path.Combine(tmp.Path, "b");
        using (var store = RunStore.Create(dir, "b", "grok", new Dictionary<string, string>()))
        {
            for (long s = 100; s <= 500; s += 100)
                store.Write([new(s, "eval/test_acc", 0.1), new(s, "forecast/p_grok", s / 1000.0), new(s, "forecast/p_grok_observed", 0.2), new(s, "llc/lambda_hat", 50 + s / 10.0), new(s, "llc/se", 2)]);
            store.Complete("completed", "{}");
        }
        RunReport.Write(dir, Path.Combine(tmp.Path, "b.html"));
        var text = File.ReadAllText(Path.Combine(tmp.Path, "b.html"));
        Assert.Contains("<section id=\"forecast\"", text);
        Assert.Contains("Grok forecast", text);
        Assert.Contains("Local learning coefficient", text);
    }

    [Fact]
    public void ReportHasEverySectionAndSaysWhichAreMissing()
    {
        using var tmp = new TempDirectory();
        var run = MakeRun(tmp.Path, "a", 60, spectral: true);
        var html = Path.Combine(tmp.Path, "a.html");
        int figures = RunReport.Write(run, html);
        var text = File.ReadAllText(html);
        foreach (var id in new[] { "overview", "training", "consolidation", "spectral", "moments", "weights", "events", "overhead" })
            Assert.Contains($"<section id=\"{id}\"", text);
        Assert.Contains("No moments metrics in this run", text);
        Assert.Contains("No weight spectra in this run", text);
        Assert.Contains("p rose above 0.5 &lt;b&gt;", text);   // event messages are text, not markup
        Assert.DoesNotContain("<script src", text, StringComparison.OrdinalIgnoreCase);   // offline: every script is inline
        Assert.Contains("Plotly.newPlot", text);
        Assert.Equal(figures, System.Text.RegularExpressions.Regex.Matches(text, "<div class=\"chart\" id=\"figure-").Count);
        Assert.True(figures >= 6, $"{figures} figures");
    }

    /// <summary>The overview lists a summary's values and leaves out its null ones and the diagnosis (shown above it):
    /// a dangling <c>else</c> once turned each left-out key into a row "summary (unreadable)".</summary>
    [Fact]
    public void OverviewLeavesOutNullValuesWithoutCallingTheSummaryUnreadable()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "n");
        using (var store = RunStore.Create(dir, "n", "grok", new Dictionary<string, string>()))
        {
            store.Write([new MetricRecord(10, "loss", 1)]);
            store.Complete("completed", """{"grokked":false,"grok_step":null,"diagnosis":"Did not reach the grok threshold.","wall_seconds":12.345678}""");
        }
        var html = Path.Combine(tmp.Path, "n.html");
        RunReport.Write(dir, html);
        var text = File.ReadAllText(html);
        Assert.DoesNotContain("(unreadable)", text);
        Assert.DoesNotContain(">grok_step<", text);
        Assert.Contains(">12.3<", text);   // 3 significant digits
    }

    [Fact]
    public void RunsWithoutMetricsOrNotRunsAreHandled()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "empty");
        using (var store = RunStore.Create(dir, "empty", "grok", new Dictionary<string, string>())) { }
        var html = Path.Combine(tmp.Path, "e.html");
        RunReport.Write(dir, html);
        Assert.Contains("has no metrics yet", File.ReadAllText(html));

        var (code, _, stderr) = CliRunner.Run(tmp.Path, "report", tmp.Path, "--out", Path.Combine(tmp.Path, "x.html"));
        Assert.Equal(2, code);
        Assert.Contains("not a run directory", stderr);
        Assert.False(File.Exists(Path.Combine(tmp.Path, "x.html")));
        (code, _, stderr) = CliRunner.Run(tmp.Path, "report", dir, "--at", "ten");
        Assert.Equal(2, code);
        Assert.Contains("--at", stderr);
    }

    [Fact]
    public void ReportOfARunStillBeingWrittenShowsItsCommittedBatches()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "live");
        using var store = RunStore.Create(dir, "live", "grok", new Dictionary<string, string>());
        store.FlushEverySeconds = 3600;
        store.Write([new MetricRecord(1, "eval/test_acc", 0.5)]);
        store.Flush();
        store.Write([new MetricRecord(2, "eval/test_acc", 0.6)]);   // buffered, not committed
        var run = RunData.Load(dir);
        Assert.Equal("running", run.Info.Status);
        Assert.Equal([(1L, 0.5)], run.Series("eval/test_acc"));
    }

    [Fact]
    public void CompareTabulatesGrokStepsAndFirstEvents()
    {
        using var tmp = new TempDirectory();
        var a = MakeRun(tmp.Path, "wd1", 60, spectral: true);
        var b = MakeRun(tmp.Path, "wd0", 90, spectral: false);
        var html = Path.Combine(tmp.Path, "cmp.html");
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "compare", a, b, "--out", html);
        Assert.True(code == 0, stderr);
        Assert.Contains("2 runs", stdout);
        var text = File.ReadAllText(html);
        Assert.Contains("<td>wd1</td><td>completed</td><td>yes</td><td>60</td>", text);
        Assert.Contains("<td>wd0</td><td>completed</td><td>yes</td><td>90</td>", text);
        Assert.Contains("first p_crossed_up", text);
        Assert.Contains("wd1 groks", text);
    }

    [Fact]
    public async Task ParquetExportRoundTripsMetricsAndEvents()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "pq");
        using (var store = RunStore.Create(dir, "pq", "grok", new Dictionary<string, string>()))
        {
            store.Write([new MetricRecord(1, "loss", 2.5), new MetricRecord(1, "grad_norm", double.NaN), new MetricRecord(2, "loss", double.PositiveInfinity)]);
            store.Write(new MonitorEvent(2, "gap_opened", "spectral", "σ₁/σ₂ = 3"));
            store.Complete("completed", "{}");
        }
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "export", dir, "--parquet", "--out", tmp.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("metrics.parquet", stdout);
        using var file = File.OpenRead(Path.Combine(tmp.Path, "metrics.parquet"));
        await using var reader = await ParquetReader.CreateAsync(file);
        using var group = reader.OpenRowGroupReader(0);
        var fields = reader.Schema.DataFields;
        Assert.Equal(["run", "fingerprint", "step", "name", "value", "wall_time"], fields.Select(f => f.Name));
        var runs = new string?[3];
        var fingerprints = new string?[3];
        var steps = new long[3];
        var names = new string?[3];
        var values = new double[3];
        await group.ReadAsync(fields[0], runs.AsMemory());
        await group.ReadAsync(fields[1], fingerprints.AsMemory());
        await group.ReadAsync<long>(fields[2], steps);
        await group.ReadAsync(fields[3], names.AsMemory());
        await group.ReadAsync<double>(fields[4], values);
        Assert.Equal(new string?[] { "pq", "pq", "pq" }, runs);
        Assert.All(fingerprints, Assert.Null);   // a run without settings has no fingerprint
        Assert.Equal([1L, 1, 2], steps);
        Assert.Equal(new string?[] { "loss", "grad_norm", "loss" }, names);
        Assert.Equal(2.5, values[0]);
        Assert.True(double.IsNaN(values[1]));
        Assert.Equal(double.PositiveInfinity, values[2]);
        Assert.Equal("pq", reader.CustomMetadata["phasescope.run"]);
        Assert.Equal("{}", reader.CustomMetadata["phasescope.config"]);
        Assert.False(reader.CustomMetadata.ContainsKey("phasescope.fingerprint"));
        Assert.True(File.Exists(Path.Combine(tmp.Path, "events.parquet")));
    }
}
