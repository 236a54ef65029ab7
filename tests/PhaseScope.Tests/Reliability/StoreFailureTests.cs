using Microsoft.Data.Sqlite;
using PhaseScope.Cli.Commands.TrainingRun;
using PhaseScope.Reporting.Store;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Tests.Monitoring;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// Issue 24 item 3: when the run store cannot write (a full disk), training stops at that step with the cause, instead
/// of dropping the store and training on with nothing stored; optional sinks are still skipped. The end-to-end case
/// (a tmpfs filled by a real run, then resumed after space was freed) is in docs/RELIABILITY.md; it needs root to mount.
/// </summary>
public class StoreFailureTests
{
    /// <summary>A sink that throws ENOSPC's message from step <see cref="FailFrom"/> on.</summary>
    sealed class FullDiskSink(long failFrom, bool essential) : IMonitorSink
    {
        public long FailFrom { get; } = failFrom;
        public bool Essential => essential;
        public int Writes { get; private set; }
        public void Write(IReadOnlyList<MetricRecord> metrics)
        {
            if (metrics.Count > 0 && metrics[0].Step >= FailFrom) throw new IOException("No space left on device : 'run.db-wal'");
            Writes++;
        }
        public void Write(MonitorEvent monitorEvent) { }
    }

    [Fact]
    public void AnEssentialSinkFailureStopsTrainingAtThatStepWithTheCause()
    {
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        manual_seed(3);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64));
        var store = new FullDiskSink(failFrom: 7, essential: true);
        var optional = new FullDiskSink(failFrom: 3, essential: false);
        var collected = new CollectingSink();
        using var monitor = new PhaseMonitor(model, CheapProbes.Create(), [optional, store, collected]);
        long last = 0;
        var trainer = new Trainer(task, model, new TrainerOptions { Steps = 40, BatchSize = 32, EvaluateEvery = 10, Seed = 3 })
        { Monitor = monitor, StepCompleted = s => last = s };

        var e = Assert.Throws<SinkFailedException>(() => trainer.Run());
        Assert.Equal(7, e.Step);
        Assert.IsType<IOException>(e.InnerException);
        Assert.Contains("No space left on device", e.Message);
        Assert.Equal(6, last);   // step 7 never completed; nothing ran on with the store gone
        // The optional sink failed first (step 3) and was skipped with an event; no probe was blamed.
        Assert.Contains(collected.Events, ev => ev.Kind == "sink_failed" && ev.Step == 3);
        Assert.DoesNotContain(collected.Events, ev => ev.Kind == "probe_failed");
        Assert.True(RunEpilogue.DiskFull(e));
    }

    [Fact]
    public void AbandonedRecordsLeaveOnlyCommittedBatchesAndTheStatusCanStillBeRecorded()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "r");
        using (var store = RunStore.Create(dir, "r", "grok", new Dictionary<string, string>()))
        {
            Assert.True(store.Essential);
            store.Write([new MetricRecord(1, "loss", 2.0)]);
            store.Flush();
            store.Write([new MetricRecord(2, "loss", 1.0)]);   // buffered, never written: the disk was full
            store.Abandon();
            store.Complete("failed", """{"error":"full"}""");
        }
        using var reader = RunReader.Open(dir);
        Assert.Equal([1L], reader.Series("loss").Select(p => p.Step));
        Assert.Equal("failed", reader.Info().Status);
    }

    [Fact]
    public void DiskFullIsRecognisedFromSqliteAndTheOs()
    {
        Assert.True(RunEpilogue.DiskFull(new SqliteException("SQLite Error 13: 'database or disk is full'.", 13)));
        Assert.True(RunEpilogue.DiskFull(new InvalidOperationException("wrapped", new IOException("No space left on device : '/x'"))));
        Assert.False(RunEpilogue.DiskFull(new SqliteException("SQLite Error 5: 'database is locked'.", 5)));
        Assert.False(RunEpilogue.DiskFull(new IOException("Permission denied")));
    }
}
