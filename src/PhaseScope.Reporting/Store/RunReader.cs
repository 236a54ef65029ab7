using Microsoft.Data.Sqlite;
using PhaseScope.Monitoring;

namespace PhaseScope.Reporting.Store;

/// <summary>Reads a run directory written by <see cref="RunStore"/> (also while it is being written, or after a crash).</summary>
public sealed class RunReader : IDisposable
{
    readonly SqliteConnection connection;
    bool hasSnapshots;

    RunReader(string directory, SqliteConnection connection)
    {
        Directory = directory;
        this.connection = connection;
    }

    /// <summary>The run directory.</summary>
    public string Directory { get; }

    /// <summary>The run-store schema version the run was written with.</summary>
    public long SchemaVersion { get; private init; }

    /// <summary>True when <paramref name="directory"/> holds a run database.</summary>
    public static bool IsRun(string directory) => File.Exists(Path.Combine(directory, RunSchema.DatabaseFile));

    /// <summary>Opens <paramref name="directory"/> for reading.</summary>
    /// <exception cref="RunStoreException">It is not a run directory or its database cannot be read.</exception>
    public static RunReader Open(string directory)
    {
        var db = Path.Combine(directory, RunSchema.DatabaseFile);
        if (PhaseScope.IO.InputFile.DirectoryProblem(directory) is { } notDirectory)
            throw new RunStoreException(notDirectory == "does not exist" ? $"{directory} does not exist; pass a run directory (see 'phasescope runs')." : $"{directory} {notDirectory}; pass a run directory (see 'phasescope runs').");
        if (!File.Exists(db)) throw new RunStoreException($"{directory} is not a run directory: it has no {RunSchema.DatabaseFile}.");
        if (PhaseScope.IO.InputFile.Problem(db) is { } notFile) throw new RunStoreException($"{db} {notFile}; it is not a PhaseScope run database.");
        SqliteConnection? c = null;
        try
        {
            c = RunSchema.Connect(db, SqliteOpenMode.ReadWrite);
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM runs";
            if (Long(cmd) != 1) throw new RunStoreException($"{db} has no run record; it is not a PhaseScope run database.");
            cmd.CommandText = "SELECT schema_version FROM runs WHERE id = 1";
            long version = Long(cmd);
            if (version > RunSchema.Version)
                throw new RunStoreException($"{db} was written by a newer PhaseScope (run-store schema {version}; this build reads up to {RunSchema.Version}). Update PhaseScope to read it.");
            cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'snapshots'";
            bool hasSnapshots = Long(cmd) == 1;
            return new RunReader(directory, c) { hasSnapshots = hasSnapshots, SchemaVersion = version };
        }
        catch (Exception e) when (IsCorruption(e))
        {
            c?.Dispose();
            throw new RunStoreException($"{db} cannot be read as a PhaseScope run database: {e.Message}", e);
        }
    }

    /// <summary>
    /// Starts a read transaction: every read until the returned object is disposed sees the database as it was at
    /// the first read (WAL snapshot isolation), so a report of a run still being written is consistent.
    /// </summary>
    public IDisposable ConsistentRead()
    {
        return Guard<IDisposable>(() =>
        {
            // A raw BEGIN keeps Microsoft.Data.Sqlite's commands usable without a transaction object.
            RunSchema.Execute(connection, "BEGIN DEFERRED;");
            RunSchema.Execute(connection, "SELECT count(*) FROM runs;");   // the snapshot starts at the first read
            return new EndRead(connection);
        });
    }

    sealed class EndRead(SqliteConnection connection) : IDisposable
    {
        public void Dispose() => RunSchema.Execute(connection, "COMMIT;");
    }

    /// <summary>The <c>runs</c> row.</summary>
    public RunInfo Info()
    {
        return Guard(() =>
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT name, kind, created_utc, finished_utc, status, summary_json FROM runs WHERE id = 1";
            using var r = cmd.ExecuteReader();
            if (!r.Read()) throw new RunStoreException($"{Directory}: the run record is missing.");
            return new RunInfo(Directory, r.GetString(0), r.GetString(1), r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5));
        });
    }

    /// <summary>The run's configuration.</summary>
    public IReadOnlyDictionary<string, string> Config()
    {
        return Guard(() =>
        {
            var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT key, value FROM config";
            using var r = cmd.ExecuteReader();
            while (r.Read()) d[r.GetString(0)] = r.GetString(1);
            return d;
        });
    }

    /// <summary>Every metric name, sorted.</summary>
    public IReadOnlyList<string> MetricNames()
    {
        return Guard(() =>
        {
            var names = new List<string>();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT name FROM metric_names ORDER BY name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) names.Add(r.GetString(0));
            return names;
        });
    }

    /// <summary>One metric's (step, value) series in step order.</summary>
    public IReadOnlyList<(long Step, double Value)> Series(string name)
    {
        return Guard(() =>
        {
            var list = new List<(long, double)>();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT m.step, m.value FROM metrics m JOIN metric_names n ON n.id = m.name_id WHERE n.name = $n ORDER BY m.step, m.rowid";
            cmd.Parameters.AddWithValue("$n", name);
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add((r.GetInt64(0), r.IsDBNull(1) ? double.NaN : r.GetDouble(1)));
            return list;
        });
    }

    /// <summary>All metrics in insertion order, with their Unix wall times.</summary>
    public IEnumerable<(MetricRecord Metric, double WallTime)> Metrics()
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT m.step, n.name, m.value, m.wall_time FROM metrics m JOIN metric_names n ON n.id = m.name_id ORDER BY m.rowid";
        var r = Guard(() => cmd.ExecuteReader());
        using (r)
            while (true)
            {
                (MetricRecord, double) row;
                try
                {
                    if (!r.Read()) yield break;
                    row = (new MetricRecord(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? double.NaN : r.GetDouble(2)), r.GetDouble(3));
                }
                catch (Exception e) when (IsCorruption(e)) { throw Corrupt(e); }
                yield return row;
            }
    }

    /// <summary>Number of metric rows.</summary>
    public long MetricCount()
    {
        return Guard(() =>
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM metrics";
            return Long(cmd);
        });
    }

    /// <summary>All events in order.</summary>
    public IReadOnlyList<(MonitorEvent Event, double WallTime)> Events()
    {
        return Guard(() =>
        {
            var list = new List<(MonitorEvent, double)>();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT step, kind, source, message, wall_time FROM events ORDER BY id";
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add((new MonitorEvent(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3)), r.GetDouble(4)));
            return list;
        });
    }

    /// <summary>Names of the snapshots the run holds, sorted (none for a version-1 store).</summary>
    public IReadOnlyList<string> SnapshotNames()
    {
        return Guard(() =>
        {
            var names = new List<string>();
            if (!hasSnapshots) return names;
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT DISTINCT name FROM snapshots ORDER BY name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) names.Add(r.GetString(0));
            return names;
        });
    }

    /// <summary>One snapshot series: (step, JSON) in step order.</summary>
    public IReadOnlyList<(long Step, string Json)> Snapshots(string name)
    {
        return Guard(() =>
        {
            var list = new List<(long, string)>();
            if (!hasSnapshots) return list;
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT step, json FROM snapshots WHERE name = $n ORDER BY step, id";
            cmd.Parameters.AddWithValue("$n", name);
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add((r.GetInt64(0), r.GetString(1)));
            return list;
        });
    }

    /// <summary>SQLite's own integrity check: "ok" for a sound file.</summary>
    public string IntegrityCheck()
    {
        return Guard(() =>
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA integrity_check";
            return (string)cmd.ExecuteScalar()!;
        });
    }

    /// <summary>What a damaged or foreign database throws while being read (SQLite's errors, wrong types, NULLs).</summary>
    static bool IsCorruption(Exception e) => e is SqliteException or InvalidCastException or InvalidOperationException or FormatException or OverflowException;

    RunStoreException Corrupt(Exception e) =>
        new($"{Path.Combine(Directory, RunSchema.DatabaseFile)} is damaged or not a PhaseScope run database ({e.Message}); it cannot be read.", e);

    /// <summary>A scalar query's integer result; anything else (NULL, text) is a damaged store.</summary>
    static long Long(SqliteCommand cmd) => cmd.ExecuteScalar() is long v ? v : throw new InvalidCastException($"'{cmd.CommandText}' did not return an integer.");

    T Guard<T>(Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (IsCorruption(e)) { throw Corrupt(e); }
    }

    /// <summary>Closes the database.</summary>
    public void Dispose() => connection.Dispose();
}
