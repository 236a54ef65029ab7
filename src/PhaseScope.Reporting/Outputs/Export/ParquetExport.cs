using Parquet;
using Parquet.Schema;
using PhaseScope.IO;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Reporting.Outputs.Export;

/// <summary>
/// Writes a run's metrics (long form: run string, fingerprint string?, step int64, name string, value double, wall_time
/// double; NaN and ±∞ kept) and events (run, fingerprint, step, kind, source, message, wall_time) as Parquet files for
/// pandas, polars and DuckDB users. Every row carries the run's name and settings fingerprint (null when it has none), and
/// each file's key-value metadata holds <see cref="RunIdentity.Metadata"/> (name, kind, status, fingerprint, config,
/// settings.json, summary), so many runs' files can be read as one table (<c>read_parquet('runs/*/metrics.parquet')</c>)
/// and still be told apart.
/// </summary>
public static class ParquetExport
{
    /// <summary>Rows per row group.</summary>
    const int RowGroupSize = 1 << 20;

    static readonly ParquetSchema MetricsSchema = new(new DataField<string>("run"), new DataField<string?>("fingerprint"), new DataField<long>("step"),
        new DataField<string>("name"), new DataField<double>("value"), new DataField<double>("wall_time"));
    static readonly ParquetSchema EventsSchema = new(new DataField<string>("run"), new DataField<string?>("fingerprint"), new DataField<long>("step"),
        new DataField<string>("kind"), new DataField<string>("source"), new DataField<string>("message"), new DataField<double>("wall_time"));

    /// <summary>The files <see cref="Write"/> creates in its folder.</summary>
    public static readonly IReadOnlyList<string> FileNames = ["metrics.parquet", "events.parquet"];

    /// <summary>Writes <c>metrics.parquet</c> and <c>events.parquet</c> into <paramref name="outDirectory"/>; each file appears whole or not at all.</summary>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(RunReader run, string outDirectory)
    {
        Directory.CreateDirectory(outDirectory);
        var id = RunIdentity.Of(run);
        var metricsPath = Path.Combine(outDirectory, "metrics.parquet");
        var eventsPath = Path.Combine(outDirectory, "events.parquet");
        AtomicFile.Write(metricsPath, s => WriteMetricsAsync(run, id, s).GetAwaiter().GetResult());
        AtomicFile.Write(eventsPath, s => WriteEventsAsync(run, id, s).GetAwaiter().GetResult());
        return [metricsPath, eventsPath];
    }

    static async Task WriteMetricsAsync(RunReader run, RunIdentity id, Stream output)
    {
        await using var writer = await ParquetWriter.CreateAsync(MetricsSchema, output);
        writer.CustomMetadata = id.Metadata();
        var steps = new List<long>();
        var names = new List<string>();
        var values = new List<double>();
        var walls = new List<double>();
        async Task FlushGroup()
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(MetricsSchema.DataFields[0], Enumerable.Repeat(id.Name, steps.Count).ToList());
            await group.WriteAsync(MetricsSchema.DataFields[1], Enumerable.Repeat(id.Fingerprint, steps.Count).ToList());
            await group.WriteAsync<long>(MetricsSchema.DataFields[2], steps.ToArray());
            await group.WriteAsync(MetricsSchema.DataFields[3], names);
            await group.WriteAsync<double>(MetricsSchema.DataFields[4], values.ToArray());
            await group.WriteAsync<double>(MetricsSchema.DataFields[5], walls.ToArray());
            steps.Clear(); names.Clear(); values.Clear(); walls.Clear();
        }
        foreach (var (m, wall) in run.Metrics())
        {
            steps.Add(m.Step);
            names.Add(m.Name);
            values.Add(m.Value);
            walls.Add(wall);
            if (steps.Count == RowGroupSize) await FlushGroup();
        }
        if (steps.Count > 0 || run.MetricCount() == 0) await FlushGroup();
    }

    static async Task WriteEventsAsync(RunReader run, RunIdentity id, Stream output)
    {
        var events = run.Events();
        await using var writer = await ParquetWriter.CreateAsync(EventsSchema, output);
        writer.CustomMetadata = id.Metadata();
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(EventsSchema.DataFields[0], Enumerable.Repeat(id.Name, events.Count).ToList());
        await group.WriteAsync(EventsSchema.DataFields[1], Enumerable.Repeat(id.Fingerprint, events.Count).ToList());
        await group.WriteAsync<long>(EventsSchema.DataFields[2], events.Select(e => e.Event.Step).ToArray());
        await group.WriteAsync(EventsSchema.DataFields[3], events.Select(e => e.Event.Kind).ToList());
        await group.WriteAsync(EventsSchema.DataFields[4], events.Select(e => e.Event.Source).ToList());
        await group.WriteAsync(EventsSchema.DataFields[5], events.Select(e => e.Event.Message).ToList());
        await group.WriteAsync<double>(EventsSchema.DataFields[6], events.Select(e => e.WallTime).ToArray());
    }
}
