using System.Globalization;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Outputs.Export;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Outputs.Html;

namespace PhaseScope.Tests.Reporting;

/// <summary>
/// The library runs inside a user's own process, under whatever culture that process has: a run's CSV export and its
/// HTML report written with <see cref="CultureInfo.CurrentCulture"/> = de-DE (decimal comma, '.' thousands) or tr-TR must
/// be byte-identical to those written under the invariant culture. The run holds fractional values, values ≥ 1000 and
/// negative ones, so a culture-dependent format anywhere in the path shows.
/// </summary>
public class CultureIndependenceTests
{
    static string MakeRun(string root)
    {
        var dir = Path.Combine(root, "run");
        using var store = RunStore.Create(dir, "run", "grok", new Dictionary<string, string> { ["lr"] = "0.0001", ["seed"] = "1" });
        for (long s = 100; s <= 2000; s += 100)
        {
            store.Write([new(s, "eval/train_acc", Math.Min(1, s / 1500.0)), new(s, "eval/test_acc", s >= 1500 ? 0.975 : 0.125), new(s, "loss", 1234.5678 / s),
                new(s, "consolidation/p", s / 2000.0), new(s, "spectral/gap_ratio", 1.5 + s / 1000.0), new(s, "spectral/k_star", 2), new(s, "curvature/stability_margin", -0.25 + s / 1e4)]);
        }
        store.Write(new MonitorEvent(300, "p_crossed_up", "consolidation", "p rose above 0.5"));
        store.Write(new MonitorEvent(1500, "grokked", "trainer", "Test accuracy 0.9750 reached 0.95 at step 1500."));
        store.Complete("completed", """{"grokked":true,"grok_step":1500,"wall_seconds":1234.5}""");
        return dir;
    }

    static Dictionary<string, byte[]> Write(string run, string outDir, CultureInfo culture)
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            Directory.CreateDirectory(outDir);
            using (var reader = RunReader.Open(run)) CsvExport.Write(reader, outDir);
            RunReport.Write(run, Path.Combine(outDir, "report.html"));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
            CultureInfo.CurrentUICulture = before;
        }
        return Directory.GetFiles(outDir).ToDictionary(Path.GetFileName, f => File.ReadAllBytes(f))!;
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("tr-TR")]
    public void CsvAndHtmlDoNotDependOnTheCurrentCulture(string name)
    {
        var culture = CultureInfo.GetCultureInfo(name);
        Assert.Equal(",", culture.NumberFormat.NumberDecimalSeparator);   // ICU is in use: the test can fail
        using var tmp = new TempDirectory();
        var run = MakeRun(tmp.Path);
        var invariant = Write(run, Path.Combine(tmp.Path, "invariant"), CultureInfo.InvariantCulture);
        var local = Write(run, Path.Combine(tmp.Path, name), culture);
        Assert.Equal(["events.csv", "metrics.csv", "report.html"], invariant.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(invariant.Keys.Order(StringComparer.Ordinal), local.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, bytes) in invariant)
            Assert.True(bytes.AsSpan().SequenceEqual(local[file]), $"{file} differs under {name}");
        // and the invariant output really writes the numbers with a point
        Assert.Contains(",0.125,", System.Text.Encoding.UTF8.GetString(invariant["metrics.csv"]), StringComparison.Ordinal);
    }
}
