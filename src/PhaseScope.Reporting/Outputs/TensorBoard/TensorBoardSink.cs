using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using PhaseScope.IO;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Outputs.TensorBoard.Proto;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Reporting.Outputs.TensorBoard;

/// <summary>
/// Writes a run to a TensorBoard event file <c>DIR/events.out.tfevents.UNIXTIME.HOST.PID</c> (records built by
/// <see cref="EventRecords"/>, framed by <see cref="TfRecordWriter"/>), with Unix wall times in seconds (docs/TORCHSHARP.md §5:
/// TorchSharp's own SummaryWriter writes .NET ticks in its first event and whole seconds, so PhaseScope writes the format
/// itself):
/// <list type="bullet">
/// <item>every scalar metric (metrics of one monitor call share one event per step) and every event, as <c>events/KIND</c> = 1;</item>
/// <item>the histogram snapshots (<see cref="TensorHistogram"/>) as <c>weights/TENSOR</c>, <c>gradients/TENSOR</c>, <c>updates/TENSOR</c>;</item>
/// <item>the monitor's cost per probe (<c>monitor/seconds/PROBE</c>, <c>monitor/calls/PROBE</c>, <c>monitor/ms_per_call/PROBE</c>)
/// at every <see cref="Flush"/> (before each resume point) and at the end, when <see cref="Timings"/> is set;</item>
/// <item><see cref="Start"/>: the config as the hparams plugin's session start; <see cref="Complete"/>: the summary's numbers
/// as <c>summary/KEY</c> scalars, the diagnosis as text (<c>diagnosis</c>), the hparams experiment (config keys as hparams,
/// <c>summary/*</c> as metrics) and the session end.</item>
/// </list>
/// The file is flushed every <see cref="FlushEverySeconds"/> and on dispose. <see cref="Start"/> and <see cref="Complete"/> never
/// throw: a failure is said once on stderr and the sink stops writing (monitoring never stops training); the monitor skips a
/// sink whose writes fail in the same way.
/// </summary>
public sealed class TensorBoardSink : IMonitorSink, IDisposable
{
    /// <summary>Tag of the diagnosis text.</summary>
    public const string DiagnosisTag = "diagnosis";
    /// <summary>Prefix of the summary's scalars (the hparams metrics).</summary>
    public const string SummaryPrefix = "summary/";
    /// <summary>The folder a run begun before event files moved to the run directory itself keeps its files in.</summary>
    public const string LegacyFolder = "tensorboard";

    readonly TfRecordWriter writer;
    readonly Lock gate = new();
    long lastFlush = Stopwatch.GetTimestamp();
    long lastStep;
    bool failed;

    /// <summary>Creates <paramref name="directory"/> if needed and opens a new event file in it.</summary>
    public TensorBoardSink(string directory)
    {
        Directory.CreateDirectory(directory);
        double now = UnixTime.Now();
        FilePath = Path.Combine(directory, $"events.out.tfevents.{(long)now}.{Environment.MachineName}.{Environment.ProcessId}");
        writer = new TfRecordWriter(new FileStream(FilePath, FileMode.CreateNew, FileAccess.Write, FileShare.Read));
        Append(EventRecords.FileVersion(now));
        writer.Flush();
    }

    /// <summary>
    /// The folder a run's event files go to: the run directory itself, so that <c>tensorboard --logdir runs/</c> names the run
    /// after its directory (<c>NAME</c>); a run whose <c>tensorboard/</c> folder already holds event files (begun by an earlier
    /// version) keeps writing there, so a resumed run's curves stay in one TensorBoard run.
    /// </summary>
    public static string DirectoryOf(string runDirectory)
    {
        var legacy = Path.Combine(runDirectory, LegacyFolder);
        return Directory.Exists(legacy) && Directory.EnumerateFiles(legacy, "events.out.tfevents.*").Any() ? legacy : runDirectory;
    }

    /// <summary>Opens a sink in <see cref="DirectoryOf"/>(<paramref name="runDirectory"/>); null, with the reason given to
    /// <paramref name="warn"/>, when the file cannot be created (the run then goes on without TensorBoard).</summary>
    public static TensorBoardSink? TryOpen(string runDirectory, Action<string> warn)
    {
        try { return new TensorBoardSink(DirectoryOf(runDirectory)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warn($"TensorBoard event file not written ({EventText.OneLine(e.Message)}); the run goes on without it.");
            return null;
        }
    }

    /// <summary>The event file.</summary>
    public string FilePath { get; }

    /// <summary>The monitor's cost per probe, written at each <see cref="Flush"/> and at <see cref="Complete"/> (null: not written).</summary>
    public Func<IReadOnlyList<ProbeTiming>>? Timings { get; set; }

    /// <summary>Where a failure of <see cref="Start"/> or <see cref="Complete"/> is said (stderr by default).</summary>
    public Action<string> Warn { get; init; } = m => Console.Error.WriteLine($"phasescope: {m}");

    /// <summary>Flush at most this often (seconds).</summary>
    public double FlushEverySeconds { get; init; } = 2.0;

    /// <summary>
    /// Before a resumed run writes again (<c>grok --resume</c>): rewrites each event file in <paramref name="directory"/>
    /// without the records of steps after <paramref name="step"/>, without the end-of-session records (<see cref="Complete"/>'s:
    /// the session goes on) and without a partial last record, so that TensorBoard shows each step once (the run store
    /// forgets the same steps). A file is replaced atomically and only when something is dropped. Returns the number of
    /// records dropped.
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
                if (Keep(record, step)) kept.Add(record);
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

    static bool Keep(byte[] record, long step)
    {
        Event e;
        try { e = Event.Parser.ParseFrom(record); }
        catch (InvalidProtocolBufferException) { return false; }
        if (e.Step > step) return false;
        return e.Summary is null || !e.Summary.Value.Any(v => IsEndOfSession(v.Tag));
    }

    static bool IsEndOfSession(string tag) =>
        tag is EventRecords.SessionEndTag or EventRecords.ExperimentTag or DiagnosisTag || tag.StartsWith(SummaryPrefix, StringComparison.Ordinal);

    /// <inheritdoc />
    public void Write(IReadOnlyList<MetricRecord> metrics)
    {
        double now = UnixTime.Now();
        lock (gate)
        {
            foreach (var group in metrics.GroupBy(m => m.Step))
                Append(EventRecords.Scalars(now, group.Key, group.Select(m => (m.Name, (float)m.Value))));
            MaybeFlush();
        }
    }

    /// <inheritdoc />
    public void Write(MonitorEvent monitorEvent)
    {
        lock (gate)
        {
            Append(EventRecords.Scalars(UnixTime.Now(), monitorEvent.Step, [($"events/{monitorEvent.Kind}", 1f)]));
            MaybeFlush();
        }
    }

    /// <summary>Writes the histogram snapshots (<see cref="TensorHistogram.IsHistogramSnapshot"/>); others stay in the run store.</summary>
    public void Write(MonitorSnapshot snapshot)
    {
        if (!TensorHistogram.IsHistogramSnapshot(snapshot.Name)) return;
        var set = TensorHistogram.Set.Parse(snapshot.Json);
        string prefix = snapshot.Name["histograms/".Length..];
        lock (gate)
        {
            Append(EventRecords.Histograms(UnixTime.Now(), snapshot.Step, prefix, set.Tensors));
            MaybeFlush();
        }
    }

    /// <summary>Writes the hparams session start: <paramref name="config"/> as the session's hyperparameters (at step 0).</summary>
    public void Start(IReadOnlyDictionary<string, string> config) =>
        Guarded("session start", () => Append(EventRecords.SessionStart(UnixTime.Now(), 0, config)));

    /// <summary>
    /// Writes the end of the session at <paramref name="step"/>: the monitor's costs, the summary's numbers (and booleans as
    /// 0/1) as <c>summary/KEY</c>, its <c>diagnosis</c> string as text, the hparams experiment and the session end with
    /// <paramref name="status"/>; then flushes.
    /// </summary>
    public void Complete(long step, string status, string summaryJson, IReadOnlyDictionary<string, string> config) =>
        Guarded("end of session", () =>
        {
            double now = UnixTime.Now();
            WriteTimings(now, step);
            var scalars = new List<(string, float)>();
            string? diagnosis = null;
            using (var doc = JsonDocument.Parse(summaryJson))
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.Number) scalars.Add((SummaryPrefix + p.Name, (float)p.Value.GetDouble()));
                    else if (p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) scalars.Add((SummaryPrefix + p.Name, p.Value.GetBoolean() ? 1f : 0f));
                    else if (p.Name == DiagnosisTag && p.Value.ValueKind == JsonValueKind.String) diagnosis = p.Value.GetString();
                }
            if (scalars.Count > 0) Append(EventRecords.Scalars(now, step, scalars));
            if (diagnosis is not null) Append(EventRecords.Text(now, step, DiagnosisTag, diagnosis));
            Append(EventRecords.Experiment(now, step, config, scalars.Select(s => s.Item1)));
            Append(EventRecords.SessionEnd(now, step, status));
            writer.Flush();
        });

    /// <summary>Hands everything written so far to the operating system (before a resume point: a killed process then
    /// loses no record up to the point's step), after the monitor's costs so far.</summary>
    public void Flush()
    {
        lock (gate)
        {
            if (failed) return;
            WriteTimings(UnixTime.Now(), lastStep);
            writer.Flush();
            lastFlush = Stopwatch.GetTimestamp();
        }
    }

    void WriteTimings(double now, long step)
    {
        if (Timings?.Invoke() is not { Count: > 0 } timings) return;
        Append(EventRecords.Scalars(now, step, timings.SelectMany(t => new[]
        {
            ($"monitor/seconds/{t.Name}", (float)t.TotalSeconds),
            ($"monitor/calls/{t.Name}", (float)t.Calls),
            ($"monitor/ms_per_call/{t.Name}", (float)t.MeanMilliseconds),
        })));
    }

    void Guarded(string what, Action write)
    {
        lock (gate)
        {
            if (failed) return;
            try { write(); }
            catch (Exception e)
            {
                failed = true;
                Warn($"TensorBoard {what} not written ({EventText.OneLine(e.Message)}); the event file stops here, the run goes on.");
            }
        }
    }

    void Append(Event e)
    {
        if (failed) return;
        lastStep = Math.Max(lastStep, e.Step);
        writer.Write(e.ToByteArray());
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
