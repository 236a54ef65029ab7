using System.Diagnostics;
using Microsoft.Data.Sqlite;
using PhaseScope.Monitoring;

namespace PhaseScope.Reporting.Store;

/// <summary>
/// Writes one run's record: a directory holding <c>run.db</c> (SQLite, WAL) with config, metrics and
/// events, and a <c>checkpoints/</c> folder. Metrics are buffered and written in batched transactions
/// (every <see cref="FlushEveryRecords"/> records or <see cref="FlushEverySeconds"/> seconds, and on
/// <see cref="Flush"/>), so a killed process loses at most the unflushed batch and the file is never
/// corrupt. Use as an <see cref="IMonitorSink"/>.
/// </summary>
public sealed class RunStore : IMonitorSink, IDisposable
{
    readonly SqliteConnection connection;
    readonly Dictionary<string, long> nameIds = new(StringComparer.Ordinal);
    readonly List<(long Step, string Name, double Value, double Wall)> pendingMetrics = [];
    readonly List<(MonitorEvent Event, double Wall)> pendingEvents = [];
    readonly List<(MonitorSnapshot Snapshot, double Wall)> pendingSnapshots = [];
    readonly Lock gate = new();
    long lastFlush = Stopwatch.GetTimestamp();

    /// <summary>The run directory.</summary>
    public string Directory { get; }

    /// <summary>Flush after this many buffered records.</summary>
    public int FlushEveryRecords { get; set; } = 5000;

    /// <summary>Flush when this many seconds have passed since the last flush.</summary>
    public double FlushEverySeconds { get; set; } = 2.0;

    readonly RunLock runLock;

    RunStore(string directory, SqliteConnection connection, RunLock runLock)
    {
        Directory = directory;
        this.connection = connection;
        this.runLock = runLock;
    }

    /// <summary>The folder for a run's checkpoints.</summary>
    public string CheckpointDirectory => Path.Combine(Directory, "checkpoints");

    /// <summary>
    /// Creates <paramref name="directory"/> (which must not exist or be empty) with a new database.
    /// </summary>
    public static RunStore Create(string directory, string name, string kind, IReadOnlyDictionary<string, string> config)
    {
        if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
            throw new RunStoreException($"Run directory {directory} already exists and is not empty; choose another --name or --out.");
        System.IO.Directory.CreateDirectory(directory);
        var runLock = RunLock.Acquire(directory);
        var db = Path.Combine(directory, RunSchema.DatabaseFile);
        SqliteConnection? c = null;
        try
        {
            c = RunSchema.Connect(db, SqliteOpenMode.ReadWriteCreate);
            RunSchema.Create(c);
            using var tx = c.BeginTransaction();
            using (var cmd = c.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT INTO runs (id, schema_version, name, kind, created_utc, status) VALUES (1, $v, $n, $k, $c, 'running')";
                cmd.Parameters.AddWithValue("$v", RunSchema.Version);
                cmd.Parameters.AddWithValue("$n", name);
                cmd.Parameters.AddWithValue("$k", kind);
                cmd.Parameters.AddWithValue("$c", DateTime.UtcNow.ToString("O"));
                cmd.ExecuteNonQuery();
            }
            foreach (var (k, v) in config)
            {
                using var cmd = c.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT INTO config (key, value) VALUES ($k, $v)";
                cmd.Parameters.AddWithValue("$k", k);
                cmd.Parameters.AddWithValue("$v", v);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
            return new RunStore(directory, c, runLock);
        }
        catch (SqliteException e)
        {
            c?.Dispose();
            runLock.Dispose();
            throw new RunStoreException($"Cannot create the run database {db}: {e.Message}", e);
        }
        catch
        {
            c?.Dispose();
            runLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reopens an unfinished run (status <c>running</c> after a kill, or <c>cancelled</c>/<c>failed</c>) to continue it
    /// from step <paramref name="step"/>: metrics, events and snapshots of later steps (written by the killed process after
    /// its last resume point) are deleted, so the continued run writes them once; the status returns to <c>running</c>.
    /// A completed run is refused.
    /// </summary>
    public static RunStore Resume(string directory, long step)
    {
        var db = Path.Combine(directory, RunSchema.DatabaseFile);
        if (!File.Exists(db)) throw new RunStoreException($"{directory} is not a run directory (no {RunSchema.DatabaseFile}).");
        var runLock = RunLock.Acquire(directory);   // before anything is read: a second writer stops here
        SqliteConnection? c = null;
        try
        {
            c = RunSchema.Connect(db, SqliteOpenMode.ReadWrite);
            using (var check = c.CreateCommand())
            {
                check.CommandText = "SELECT status FROM runs WHERE id = 1";
                var status = check.ExecuteScalar() as string
                    ?? throw new RunStoreException($"{db} has no run record; it cannot be resumed.");
                if (status == RunStatus.Completed)
                    throw new RunStoreException($"The run in {directory} is completed; there is nothing to resume. Start a new run (another --name) to train longer.");
                if (status == RunStatus.Diverged)
                    throw new RunStoreException($"The run in {directory} diverged (its loss or parameters turned NaN or infinite); resuming it would diverge again at the same step. Start a new run with a smaller --lr.");
            }
            using var tx = c.BeginTransaction();
            foreach (var table in new[] { "metrics", "events", "snapshots" })
            {
                using var del = c.CreateCommand();
                del.Transaction = tx;
                del.CommandText = $"DELETE FROM {table} WHERE step > $s";
                del.Parameters.AddWithValue("$s", step);
                del.ExecuteNonQuery();
            }
            using (var upd = c.CreateCommand())
            {
                upd.Transaction = tx;
                upd.CommandText = "UPDATE runs SET status = 'running', finished_utc = NULL, summary_json = NULL WHERE id = 1";
                upd.ExecuteNonQuery();
            }
            tx.Commit();
            return new RunStore(directory, c, runLock);
        }
        catch (SqliteException e)
        {
            c?.Dispose();
            runLock.Dispose();
            throw new RunStoreException($"Cannot reopen the run database {db}: {e.Message}", e);
        }
        catch
        {
            c?.Dispose();
            runLock.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Write(IReadOnlyList<MetricRecord> metrics)
    {
        double wall = UnixTime.Now();
        lock (gate)
        {
            foreach (var m in metrics) pendingMetrics.Add((m.Step, m.Name, m.Value, wall));
            MaybeFlush();
        }
    }

    /// <inheritdoc />
    public void Write(MonitorEvent monitorEvent)
    {
        lock (gate)
        {
            pendingEvents.Add((monitorEvent, UnixTime.Now()));
            MaybeFlush();
        }
    }

    /// <inheritdoc />
    public void Write(MonitorSnapshot snapshot)
    {
        lock (gate)
        {
            pendingSnapshots.Add((snapshot, UnixTime.Now()));
            MaybeFlush();
        }
    }

    void MaybeFlush()
    {
        if (pendingMetrics.Count + pendingEvents.Count + pendingSnapshots.Count >= FlushEveryRecords
            || (double)(Stopwatch.GetTimestamp() - lastFlush) / Stopwatch.Frequency >= FlushEverySeconds)
            Flush();
    }

    /// <inheritdoc />
    /// <remarks>The run store is essential: when it cannot write (a full disk), training stops (<see cref="SinkFailedException"/>).</remarks>
    public bool Essential => true;

    /// <summary>
    /// Drops the records buffered since the last flush, after a write failed (a full disk) and the run is being stopped:
    /// they could not be written, and a retry inside <see cref="Complete"/> or <see cref="Dispose"/> would fail the same
    /// way and hide the cause. The database itself holds only committed batches (each flush is one transaction), and a
    /// resumed run deletes whatever lies after its resume point, so nothing is left inconsistent.
    /// </summary>
    public void Abandon()
    {
        lock (gate)
        {
            pendingMetrics.Clear();
            pendingEvents.Clear();
            pendingSnapshots.Clear();
        }
    }

    /// <summary>Writes everything buffered in one transaction.</summary>
    public void Flush()
    {
        lock (gate)
        {
            lastFlush = Stopwatch.GetTimestamp();
            if (pendingMetrics.Count == 0 && pendingEvents.Count == 0 && pendingSnapshots.Count == 0) return;
            using var tx = connection.BeginTransaction();
            using (var ins = connection.CreateCommand())
            {
                ins.Transaction = tx;
                ins.CommandText = "INSERT INTO metrics (step, name_id, value, wall_time) VALUES ($s, $n, $v, $w)";
                var ps = ins.Parameters.Add("$s", SqliteType.Integer);
                var pn = ins.Parameters.Add("$n", SqliteType.Integer);
                var pv = ins.Parameters.Add("$v", SqliteType.Real);
                var pw = ins.Parameters.Add("$w", SqliteType.Real);
                ins.Prepare();
                foreach (var (step, name, value, wall) in pendingMetrics)
                {
                    ps.Value = step;
                    pn.Value = NameId(name, tx);
                    // SQLite turns NaN into NULL; readers map NULL back to NaN. ±∞ are stored as such.
                    pv.Value = double.IsNaN(value) ? DBNull.Value : value;
                    pw.Value = wall;
                    ins.ExecuteNonQuery();
                }
            }
            if (pendingEvents.Count > 0)
                InsertTextRows(tx, "events (step, kind, source, message, wall_time)",
                    pendingEvents.Select(p => (p.Event.Step, p.Event.Kind, p.Event.Source, p.Event.Message, p.Wall)));
            if (pendingSnapshots.Count > 0)
                InsertTextRows(tx, "snapshots (step, name, source, json, wall_time)",
                    pendingSnapshots.Select(p => (p.Snapshot.Step, p.Snapshot.Name, p.Snapshot.Source, p.Snapshot.Json, p.Wall)));
            tx.Commit();
            pendingMetrics.Clear();
            pendingEvents.Clear();
            pendingSnapshots.Clear();
        }
    }

    /// <summary>Inserts rows of (step, text, source, text, wall time) into <paramref name="tableAndColumns"/> with one
    /// prepared command (events and snapshots share this shape).</summary>
    void InsertTextRows(SqliteTransaction tx, string tableAndColumns, IEnumerable<(long Step, string A, string Source, string B, double Wall)> rows)
    {
        using var ins = connection.CreateCommand();
        ins.Transaction = tx;
        ins.CommandText = $"INSERT INTO {tableAndColumns} VALUES ($s, $a, $src, $b, $w)";
        var ps = ins.Parameters.Add("$s", SqliteType.Integer);
        var pa = ins.Parameters.Add("$a", SqliteType.Text);
        var psrc = ins.Parameters.Add("$src", SqliteType.Text);
        var pb = ins.Parameters.Add("$b", SqliteType.Text);
        var pw = ins.Parameters.Add("$w", SqliteType.Real);
        ins.Prepare();
        foreach (var (step, a, source, b, wall) in rows)
        {
            ps.Value = step;
            pa.Value = a;
            psrc.Value = source;
            pb.Value = b;
            pw.Value = wall;
            ins.ExecuteNonQuery();
        }
    }

    long NameId(string name, SqliteTransaction tx)
    {
        if (nameIds.TryGetValue(name, out long id)) return id;
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO metric_names (name) VALUES ($n) ON CONFLICT(name) DO UPDATE SET name = excluded.name RETURNING id";
        cmd.Parameters.AddWithValue("$n", name);
        id = (long)cmd.ExecuteScalar()!;
        nameIds[name] = id;
        return id;
    }

    /// <summary>Flushes, records the final status and summary, and builds the read index.</summary>
    /// <param name="status"><c>completed</c>, <c>cancelled</c> or <c>failed</c>.</param>
    /// <param name="summaryJson">A JSON object summarising the run.</param>
    public void Complete(string status, string summaryJson)
    {
        Flush();
        lock (gate)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "UPDATE runs SET status = $s, finished_utc = $f, summary_json = $j WHERE id = 1";
            cmd.Parameters.AddWithValue("$s", status);
            cmd.Parameters.AddWithValue("$f", DateTime.UtcNow.ToString("O"));
            cmd.Parameters.AddWithValue("$j", summaryJson);
            cmd.ExecuteNonQuery();
            RunSchema.Index(connection);
        }
    }


    /// <summary>Flushes and closes the database.</summary>
    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            connection.Dispose();
            runLock.Dispose();
        }
    }
}
