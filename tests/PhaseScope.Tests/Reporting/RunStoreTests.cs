using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Reporting;

public class RunStoreTests
{
    [Fact]
    public void MetricsEventsAndConfigRoundTripIncludingNonFiniteValues()
    {
        using var dir = new TempDirectory();
        var runDir = Path.Combine(dir.Path, "r1");
        using (var store = RunStore.Create(runDir, "r1", "test", new Dictionary<string, string> { ["lr"] = "0.001", ["task"] = "modular" }))
        {
            store.Write([new MetricRecord(1, "loss", 2.5), new MetricRecord(1, "grad_norm", double.NaN)]);
            store.Write([new MetricRecord(2, "loss", double.PositiveInfinity), new MetricRecord(2, "grad_norm", double.NegativeInfinity)]);
            store.Write(new MonitorEvent(2, "grokked", "trainer", "done, with a \"quote\""));
            store.Complete("completed", """{"grokked":true}""");
        }
        using var r = RunReader.Open(runDir);
        var info = r.Info();
        Assert.Equal(("r1", "test", "completed", """{"grokked":true}"""), (info.Name, info.Kind, info.Status, info.SummaryJson));
        Assert.NotNull(info.FinishedUtc);
        Assert.Equal("0.001", r.Config()["lr"]);
        Assert.Equal(["grad_norm", "loss"], r.MetricNames());
        Assert.Equal([(1L, 2.5), (2L, double.PositiveInfinity)], r.Series("loss"));
        var g = r.Series("grad_norm");
        Assert.True(double.IsNaN(g[0].Value));
        Assert.Equal(double.NegativeInfinity, g[1].Value);
        var e = Assert.Single(r.Events()).Event;
        Assert.Equal(new MonitorEvent(2, "grokked", "trainer", "done, with a \"quote\""), e);
        Assert.Equal("ok", r.IntegrityCheck());
    }

    [Fact]
    public void SnapshotsRoundTripAndNewerSchemasAreRefused()
    {
        using var dir = new TempDirectory();
        var runDir = Path.Combine(dir.Path, "snap");
        const string empty = "{\"cells\":[]}", full = "{\"cells\":[[0,0,3]]}";
        using (var store = RunStore.Create(runDir, "snap", "test", new Dictionary<string, string>()))
        {
            store.Write(new MonitorSnapshot(5, "moments/plane", "moments", full));
            store.Write(new MonitorSnapshot(2, "moments/plane", "moments", empty));
            store.Complete("completed", "{}");
        }
        using (var r = RunReader.Open(runDir))
        {
            Assert.Equal(["moments/plane"], r.SnapshotNames());
            Assert.Equal([(2L, empty), (5L, full)], r.Snapshots("moments/plane"));
            Assert.Empty(r.Snapshots("moments/surface"));
        }
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(runDir, "run.db")};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE runs SET schema_version = 99";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<RunStoreException>(() => RunReader.Open(runDir));
        Assert.Contains("newer PhaseScope", e.Message);
    }

    [Fact]
    public void BufferedRecordsAreInvisibleUntilFlushedThenCommittedWhole()
    {
        using var dir = new TempDirectory();
        var runDir = Path.Combine(dir.Path, "r2");
        using var store = RunStore.Create(runDir, "r2", "test", new Dictionary<string, string>());
        store.FlushEverySeconds = 3600; // only the record count (5000) or an explicit Flush writes a batch
        store.Write([new MetricRecord(1, "loss", 1.0)]);
        using (var r = RunReader.Open(runDir)) Assert.Equal(0, r.MetricCount());
        store.Flush();
        using (var r = RunReader.Open(runDir)) Assert.Equal(1, r.MetricCount());
    }

    [Fact]
    public void CreatingOverANonEmptyDirectoryIsRefused()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("x"), "");
        var e = Assert.Throws<RunStoreException>(() => RunStore.Create(dir.Path, "x", "test", new Dictionary<string, string>()));
        Assert.Contains("not empty", e.Message);
    }

    [Fact]
    public void OpeningSomethingElseSaysWhatIsWrong()
    {
        using var dir = new TempDirectory();
        Assert.Contains("no run.db", Assert.Throws<RunStoreException>(() => RunReader.Open(dir.Path)).Message);
        File.WriteAllText(dir.File("run.db"), "this is not SQLite");
        Assert.Contains("cannot be read", Assert.Throws<RunStoreException>(() => RunReader.Open(dir.Path)).Message);
    }
}
