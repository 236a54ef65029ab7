using PhaseScope.Monitoring;
using PhaseScope.Reporting.Outputs.Export;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Reporting;

/// <summary>Issue 24 item 10: CSV export wrote text cells starting with <c>=</c> unprefixed (a formula when opened in a spreadsheet).</summary>
public class CsvInjectionTests
{
    [Fact]
    public void FormulaLikeTextIsPrefixedAndNumbersAreNot()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "r");
        using (var store = RunStore.Create(dir, "r", "grok", new Dictionary<string, string>()))
        {
            store.Write([new MetricRecord(1, "=cmd|' /C calc'!A0", -0.5), new MetricRecord(1, "loss", -2)]);
            store.Write(new MonitorEvent(1, "+kind", "@source", "=HYPERLINK(\"http://x\",\"y\")"));
            store.Complete("completed", "{}");
        }
        using var reader = RunReader.Open(dir);
        CsvExport.Write(reader, tmp.Path);
        var metrics = File.ReadAllLines(Path.Combine(tmp.Path, "metrics.csv"));
        Assert.StartsWith("r,,1,'=cmd|' /C calc'!A0,-0.5,", metrics[1]);   // run r, no settings fingerprint
        Assert.StartsWith("r,,1,loss,-2,", metrics[2]);
        var events = File.ReadAllLines(Path.Combine(tmp.Path, "events.csv"));
        Assert.StartsWith("r,,1,'+kind,'@source,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",", events[1]);
    }

    [Fact]
    public void AFormulaLikeRunNameOrFingerprintIsPrefixedToo()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "r");
        using (var store = RunStore.Create(dir, "=SUM(A1)", "grok", new Dictionary<string, string> { ["settings_sha256"] = "-1+2" }))
        {
            store.Write([new MetricRecord(1, "loss", 1)]);
            store.Complete("completed", "{}");
        }
        using var reader = RunReader.Open(dir);
        CsvExport.Write(reader, tmp.Path);
        Assert.StartsWith("'=SUM(A1),'-1+2,1,loss,1,", File.ReadAllLines(Path.Combine(tmp.Path, "metrics.csv"))[1]);
    }
}
