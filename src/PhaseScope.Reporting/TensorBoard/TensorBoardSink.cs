using System.Diagnostics;
using PhaseScope.IO;
using PhaseScope.Monitoring;

namespace PhaseScope.Reporting.TensorBoard;

/// <summary>
/// Writes every scalar metric (and every event, as the scalar <c>events/KIND</c> = 1 at its step) to a
/// TensorBoard event file <c>DIR/events.out.tfevents.UNIXTIME.HOST</c>, with Unix wall times in
/// seconds (TORCHSHARP.md §5: TorchSharp's own SummaryWriter writes .NET ticks in its first event and
/// whole seconds, so PhaseScope writes the format itself). Metrics of one monitor call share one
/// event per step. The file is flushed every <see cref="FlushEverySeconds"/> and on dispose.
/// </summary>
public sealed class TensorBoardSink : IMonitorSink, IDisposable
{
    readonly TfRecordWriter writer;
    readonly Lock gate = new();
    long lastFlush = Stopwatch.GetTimestamp();

    /// <summary>Creates <paramref name="directory"/> if needed and opens a new event file in it.</summary>
    public TensorBoardSink(string directory)
    {
        Directory.CreateDirectory(directory);
        double now = UnixTime.Now();
        FilePath = Path.Combine(directory, $"events.out.tfevents.{(long)now}.{Environment.MachineName}.{Environment.ProcessId}");
        writer = new TfRecordWriter(new FileStream(FilePath, FileMode.CreateNew, FileAccess.Write, FileShare.Read));
        writer.Write(EventProto.FileVersion(now));
        writer.Flush();
    }

    /// <summary>The event file.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Before a resumed run writes again (<c>grok --resume</c>): rewrites each event file in <paramref name="directory"/>
    /// without the records of steps after <paramref name="step"/> and without a partial last record, so that TensorBoard
    /// shows each step once (the run store forgets the same steps). A file is replaced atomically and only when something
    /// is dropped. Returns the number of records dropped.
    /// </summary>
    public static int ForgetAfter(string directory, long step)
    {
        if (!Directory.Exists(directory)) return 0;
        int dropped = 0;
        foreach (var path in Directory.GetFiles(directory, "events.out.tfevents.*"))
        {
            var reader = new TfRecordReader(File.ReadAllBytes(path));
            var kept = new List<byte[]>();
            int before = 0;
            foreach (var record in reader.Records())
            {
                before++;
                if (EventProto.StepOf(record) is { } s && s <= step) kept.Add(record);
            }
            if (kept.Count == before && reader.Intact) continue;
            dropped += before - kept.Count;
            AtomicFile.Write(path, stream =>
            {
                var writer = new TfRecordWriter(stream);
                foreach (var record in kept) writer.Write(record);
                writer.Flush();
            });
        }
        return dropped;
    }

    /// <summary>Flush at most this often (seconds).</summary>
    public double FlushEverySeconds { get; init; } = 2.0;

    /// <inheritdoc />
    public void Write(IReadOnlyList<MetricRecord> metrics)
    {
        double now = UnixTime.Now();
        lock (gate)
        {
            foreach (var group in metrics.GroupBy(m => m.Step))
                writer.Write(EventProto.Scalars(now, group.Key, group.Select(m => (m.Name, (float)m.Value))));
            MaybeFlush();
        }
    }

    /// <inheritdoc />
    public void Write(MonitorEvent monitorEvent)
    {
        lock (gate)
        {
            writer.Write(EventProto.Scalars(UnixTime.Now(), monitorEvent.Step, [($"events/{monitorEvent.Kind}", 1f)]));
            MaybeFlush();
        }
    }

    /// <summary>Hands everything written so far to the operating system (before a resume point: a killed process then
    /// loses no record up to the point's step).</summary>
    public void Flush()
    {
        lock (gate)
        {
            writer.Flush();
            lastFlush = Stopwatch.GetTimestamp();
        }
    }

    void MaybeFlush()
    {
        if ((double)(Stopwatch.GetTimestamp() - lastFlush) / Stopwatch.Frequency < FlushEverySeconds) return;
        writer.Flush();
        lastFlush = Stopwatch.GetTimestamp();
    }

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose()
    {
        lock (gate) writer.Dispose();
    }
}
