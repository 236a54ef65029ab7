using System.Data.Common;
using System.Text.Json;
using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Reporting.Query;

/// <summary>
/// Every run under a directory, loaded into one in-memory DuckDB database for SQL (<c>phasescope query</c>). Tables:
/// <list type="bullet">
/// <item><c>metrics(run, step, name, value, wall_time)</c>: every metric (<c>value</c> is NULL where the store holds NaN);</item>
/// <item><c>events(run, step, kind, source, message, wall_time)</c>;</item>
/// <item><c>config(run, key, value)</c>: each run's settings in long form (values as text);</item>
/// <item><c>runs(run, name, kind, status, created_utc, finished_utc, …, config, summary)</c>: one row per run; each key of the
/// runs' summaries is a column of its own (DOUBLE when every value is a number, BOOLEAN when every value is a boolean, else
/// VARCHAR, with arrays and objects as JSON text; DOUBLE when it is null in every run), then <c>config</c> as a MAP(VARCHAR, VARCHAR)
/// (<c>config['weight_decay']</c>) and <c>summary</c> as JSON.</item>
/// </list>
/// <c>run</c> is the run directory's path below the directory given (<c>NAME</c>, or <c>SWEEP/NAME</c> one level deeper): the same
/// name TensorBoard gives the run. Stores are read through <see cref="ReadOnlyStore"/>, so nothing is written into a run; an
/// unreadable store is skipped and named in <see cref="Skipped"/>. After loading, DuckDB's external access is turned off and
/// its configuration locked, and each statement must pass <see cref="ReadOnlyStatement"/>.
/// </summary>
public sealed class RunsDatabase : IDisposable
{
    static readonly string[] BaseColumns = ["run", "name", "kind", "status", "created_utc", "finished_utc", "config", "summary"];

    readonly DuckDBConnection duck;

    RunsDatabase(DuckDBConnection duck, IReadOnlyList<string> runs, IReadOnlyList<string> skipped)
    {
        this.duck = duck;
        Runs = runs;
        Skipped = skipped;
    }

    /// <summary>The runs loaded (their <c>run</c> values), sorted.</summary>
    public IReadOnlyList<string> Runs { get; }

    /// <summary>One line per store that could not be read (and was left out).</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>
    /// The run directories under <paramref name="directory"/>: the directory itself when it is a run, else its subdirectories
    /// that are runs and, for those that are not, their own subdirectories that are (a folder of sweeps). Pairs of
    /// (<c>run</c> name, path), sorted by name.
    /// </summary>
    public static IReadOnlyList<(string Run, string Path)> Find(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (RunReader.IsRun(full)) return [(Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)), full)];
        var found = new List<(string, string)>();
        foreach (var sub in Directory.EnumerateDirectories(full))
        {
            if (RunReader.IsRun(sub)) found.Add((Path.GetFileName(sub), sub));
            else
                foreach (var inner in Directory.EnumerateDirectories(sub).Where(RunReader.IsRun))
                    found.Add(($"{Path.GetFileName(sub)}/{Path.GetFileName(inner)}", inner));
        }
        return found.OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    /// <summary>Loads every run under <paramref name="directory"/> (see <see cref="Find"/>).</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    public static RunsDatabase Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory} does not exist.");
        var duck = new DuckDBConnection("DataSource=:memory:");
        try
        {
            duck.Open();
            Execute(duck, """
                CREATE TABLE metrics (run VARCHAR NOT NULL, step BIGINT NOT NULL, name VARCHAR NOT NULL, value DOUBLE, wall_time DOUBLE NOT NULL);
                CREATE TABLE events (run VARCHAR NOT NULL, step BIGINT NOT NULL, kind VARCHAR NOT NULL, source VARCHAR NOT NULL, message VARCHAR NOT NULL, wall_time DOUBLE NOT NULL);
                CREATE TABLE config (run VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL);
                """);
            var infos = new List<(string Run, RunInfo Info)>();
            var skipped = new List<string>();
            using (var metrics = duck.CreateAppender("metrics"))
            using (var events = duck.CreateAppender("events"))
            using (var config = duck.CreateAppender("config"))
                foreach (var (run, path) in Find(directory))
                {
                    try { infos.Add((run, LoadRun(run, path, metrics, events, config))); }
                    catch (Exception e) when (e is SqliteException or InvalidCastException or InvalidOperationException or FormatException or RunStoreException)
                    {
                        skipped.Add($"{run}: {Path.Combine(path, RunSchema.DatabaseFile)} cannot be read ({e.Message.Split('\n')[0]}); left out.");
                    }
                }
            CreateRuns(duck, infos);
            // From here on no statement can reach a file, an extension or a setting.
            Execute(duck, "SET temp_directory = ''; SET enable_external_access = false; SET lock_configuration = true;");
            return new RunsDatabase(duck, infos.Select(i => i.Run).ToList(), skipped);
        }
        catch
        {
            duck.Dispose();
            throw;
        }
    }

    /// <summary>Appends one run's metrics, events and config; returns its <c>runs</c> row. A store that fails part-way leaves
    /// rows behind only for what it appended before, so it is read into memory first.</summary>
    static RunInfo LoadRun(string run, string path, DuckDBAppender metrics, DuckDBAppender events, DuckDBAppender config)
    {
        using var c = ReadOnlyStore.Open(path);
        RunSchema.Execute(c, "BEGIN DEFERRED;");
        RunInfo info;
        var metricRows = new List<(long, string, double?, double)>();
        var eventRows = new List<(long, string, string, string, double)>();
        var configRows = new List<(string, string)>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT name, kind, created_utc, finished_utc, status, summary_json, schema_version FROM runs WHERE id = 1";
            using (var r = cmd.ExecuteReader())
            {
                if (!r.Read()) throw new RunStoreException("it has no run record");
                if (r.GetInt64(6) > RunSchema.Version) throw new RunStoreException($"it was written by a newer PhaseScope (run-store schema {r.GetInt64(6)})");
                info = new RunInfo(path, r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5));
            }
            cmd.CommandText = "SELECT m.step, n.name, m.value, m.wall_time FROM metrics m JOIN metric_names n ON n.id = m.name_id ORDER BY m.rowid";
            using (var r = cmd.ExecuteReader())
                while (r.Read()) metricRows.Add((r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetDouble(2), r.GetDouble(3)));
            cmd.CommandText = "SELECT step, kind, source, message, wall_time FROM events ORDER BY id";
            using (var r = cmd.ExecuteReader())
                while (r.Read()) eventRows.Add((r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4)));
            cmd.CommandText = "SELECT key, value FROM config ORDER BY key";
            using (var r = cmd.ExecuteReader())
                while (r.Read()) configRows.Add((r.GetString(0), r.GetString(1)));
        }
        RunSchema.Execute(c, "COMMIT;");
        foreach (var (step, name, value, wall) in metricRows)
            metrics.CreateRow().AppendValue(run).AppendValue(step).AppendValue(name).AppendValue(value).AppendValue(wall).EndRow();
        foreach (var (step, kind, source, message, wall) in eventRows)
            events.CreateRow().AppendValue(run).AppendValue(step).AppendValue(kind).AppendValue(source).AppendValue(message).AppendValue(wall).EndRow();
        foreach (var (key, value) in configRows)
            config.CreateRow().AppendValue(run).AppendValue(key).AppendValue(value).EndRow();
        return info;
    }

    enum ColumnType { Double, Boolean, Varchar }

    /// <summary>Creates <c>runs</c>: the fixed columns, one typed column per summary key, the config map and the summary JSON.</summary>
    static void CreateRuns(DuckDBConnection duck, List<(string Run, RunInfo Info)> infos)
    {
        var summaries = infos.Select(i => Summary(i.Info.SummaryJson)).ToList();
        var keys = new List<string>();
        var types = new Dictionary<string, ColumnType>(StringComparer.OrdinalIgnoreCase);   // DuckDB's identifiers ignore case
        foreach (var summary in summaries)
            foreach (var (key, value) in summary)
            {
                if (BaseColumns.Contains(key, StringComparer.OrdinalIgnoreCase)) continue;   // in the summary JSON only
                if (!keys.Contains(key, StringComparer.OrdinalIgnoreCase)) keys.Add(key);
                if (value.ValueKind == JsonValueKind.Null) continue;
                var t = value.ValueKind switch
                {
                    JsonValueKind.Number => ColumnType.Double,
                    JsonValueKind.True or JsonValueKind.False => ColumnType.Boolean,
                    _ => ColumnType.Varchar,
                };
                types[key] = types.TryGetValue(key, out var seen) && seen != t ? ColumnType.Varchar : t;
            }
        // A key that is null in every run (grok_step when none grokked) is numeric: most such fields are steps.
        var columns = keys.Select(k => (Key: k, Type: types.GetValueOrDefault(k, ColumnType.Double))).ToList();
        string Sql(ColumnType t) => t switch { ColumnType.Double => "DOUBLE", ColumnType.Boolean => "BOOLEAN", _ => "VARCHAR" };
        Execute(duck, "CREATE TABLE runs_loaded (run VARCHAR NOT NULL, name VARCHAR NOT NULL, kind VARCHAR NOT NULL, status VARCHAR NOT NULL, created_utc VARCHAR NOT NULL, finished_utc VARCHAR, summary_json VARCHAR"
            + string.Concat(columns.Select(c => $", {Quote(c.Key)} {Sql(c.Type)}")) + ");");
        using (var appender = duck.CreateAppender("runs_loaded"))
            for (int i = 0; i < infos.Count; i++)
            {
                var (run, info) = infos[i];
                var row = appender.CreateRow().AppendValue(run).AppendValue(info.Name).AppendValue(info.Kind).AppendValue(info.Status)
                    .AppendValue(info.CreatedUtc).AppendValue(info.FinishedUtc).AppendValue(summaries[i].Count == 0 && info.SummaryJson is null ? null : info.SummaryJson);
                foreach (var (key, type) in columns)
                {
                    if (!summaries[i].TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) { row.AppendNullValue(); continue; }
                    switch (type)
                    {
                        case ColumnType.Double: row.AppendValue((double?)v.GetDouble()); break;
                        case ColumnType.Boolean: row.AppendValue((bool?)v.GetBoolean()); break;
                        default: row.AppendValue(v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()); break;
                    }
                }
                row.EndRow();
            }
        Execute(duck, """
            CREATE TABLE runs AS
                SELECT r.* EXCLUDE (summary_json),
                    (SELECT map_from_entries(list({'key': c.key, 'value': c.value} ORDER BY c.key)) FROM config c WHERE c.run = r.run) AS config,
                    CAST(r.summary_json AS JSON) AS summary
                FROM runs_loaded r ORDER BY r.run;
            DROP TABLE runs_loaded;
            """);
    }

    /// <summary>A summary's top-level fields (none when the run has no summary or it is not a JSON object).</summary>
    static Dictionary<string, JsonElement> Summary(string? json)
    {
        var d = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (json is null) return d;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return d;
            foreach (var p in doc.RootElement.EnumerateObject()) d[p.Name] = p.Value.Clone();
        }
        catch (JsonException) { }   // a damaged summary: the run is listed without its fields
        return d;
    }

    /// <summary>Runs one reading statement.</summary>
    /// <exception cref="QueryException">The statement is refused (<see cref="ReadOnlyStatement"/>) or DuckDB rejects it; the
    /// message is one line.</exception>
    public QueryResult Query(string sql)
    {
        ReadOnlyStatement.Check(duck, sql);
        try
        {
            using var cmd = duck.CreateCommand();
            cmd.CommandText = sql;
            using var r = cmd.ExecuteReader();
            var columns = Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
            var types = Enumerable.Range(0, r.FieldCount).Select(r.GetDataTypeName).ToList();
            var rows = new List<object?[]>();
            while (r.Read())
            {
                var row = new object?[r.FieldCount];
                for (int i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
                rows.Add(row);
            }
            return new QueryResult(columns, types, rows);
        }
        catch (DbException e)
        {
            throw new QueryException(OneLine(e.Message), e);
        }
    }

    /// <summary>DuckDB's message up to its <c>LINE n:</c> excerpt, on one line.</summary>
    static string OneLine(string message) =>
        string.Join(" ", message.Split('\n').Select(l => l.Trim()).TakeWhile(l => !l.StartsWith("LINE ", StringComparison.Ordinal)).Where(l => l.Length > 0));

    static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    static void Execute(DuckDBConnection duck, string sql)
    {
        using var cmd = duck.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Closes the database (nothing of it is on disk).</summary>
    public void Dispose() => duck.Dispose();
}
