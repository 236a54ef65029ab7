using System.Text.Json;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Reporting.Outputs.Html;

/// <summary>
/// Everything a report draws from one run, read in one consistent transaction (a run still being written
/// gives the snapshot of one moment, never half of a batch): the run record, config, every metric series,
/// events and snapshots.
/// </summary>
public sealed class RunData
{
    RunData(RunInfo info, IReadOnlyDictionary<string, string> config, Dictionary<string, List<(long Step, double Value)>> series,
        IReadOnlyList<MonitorEvent> events, Dictionary<string, IReadOnlyList<(long Step, string Json)>> snapshots)
    {
        Info = info;
        Config = config;
        this.series = series;
        Events = events;
        Snapshots = snapshots;
        Summary = ParseSummary(info.SummaryJson);
        Outcome = Summary is null ? null : PhaseScope.Diagnosis.RunSummary.Read(Summary);
        GrokStep = events.FirstOrDefault(e => e.Kind == "grokked")?.Step ?? Outcome?.GrokStep;
    }

    /// <summary>The run's typed summary, read from <see cref="Summary"/> (null when that is).</summary>
    public PhaseScope.Diagnosis.RunSummary? Outcome { get; }

    /// <summary>The run's summary object (null before completion, or when it is not a JSON object).</summary>
    public IReadOnlyDictionary<string, JsonElement>? Summary { get; }

    readonly Dictionary<string, List<(long Step, double Value)>> series;

    /// <summary>The run record.</summary>
    public RunInfo Info { get; }

    /// <summary>The run's configuration.</summary>
    public IReadOnlyDictionary<string, string> Config { get; }

    /// <summary>Events in order.</summary>
    public IReadOnlyList<MonitorEvent> Events { get; }

    /// <summary>Snapshot series by name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(long Step, string Json)>> Snapshots { get; }

    /// <summary>Every metric name, sorted.</summary>
    public IEnumerable<string> MetricNames => series.Keys.Order(StringComparer.Ordinal);

    /// <summary>Total metric records.</summary>
    public long MetricCount => series.Values.Sum(s => (long)s.Count);

    /// <summary>One series (empty when the run does not have it).</summary>
    public IReadOnlyList<(long Step, double Value)> Series(string name) => series.TryGetValue(name, out var s) ? s : [];

    /// <summary>Whether the run has a metric.</summary>
    public bool Has(string name) => series.ContainsKey(name);

    /// <summary>The step at which the run grokked (the trainer's <c>grokked</c> event, else the summary), or null.</summary>
    public long? GrokStep { get; }

    static Dictionary<string, JsonElement>? ParseSummary(string? json)
    {
        if (json is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind != JsonValueKind.Object ? null
                : doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Loads <paramref name="directory"/>.</summary>
    /// <exception cref="RunStoreException">Not a run, unreadable, or written by a newer schema.</exception>
    public static RunData Load(string directory)
    {
        using var reader = RunReader.Open(directory);
        using var read = reader.ConsistentRead();
        var series = new Dictionary<string, List<(long, double)>>(StringComparer.Ordinal);
        foreach (var (m, _) in reader.Metrics())
        {
            if (!series.TryGetValue(m.Name, out var list)) series[m.Name] = list = [];
            list.Add((m.Step, m.Value));
        }
        foreach (var list in series.Values) list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        var snapshots = reader.SnapshotNames().ToDictionary(n => n, reader.Snapshots);
        return new RunData(reader.Info(), reader.Config(), series, reader.Events().Select(e => e.Event).ToList(), snapshots);
    }
}
