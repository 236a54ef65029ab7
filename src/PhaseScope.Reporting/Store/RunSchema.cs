using Microsoft.Data.Sqlite;

namespace PhaseScope.Reporting.Store;

/// <summary>
/// The SQLite schema of a run directory's <c>run.db</c>: one <c>runs</c> row, <c>config</c>
/// key/values, metrics in long form (step, interned name, value, Unix wall time), events, and (from
/// version 2) snapshots: structured measurements as JSON (coupling surface, spectral plane, rank sample).
/// Readers accept every version up to <see cref="Version"/>; a version-1 store simply has no snapshots.
/// WAL mode: a reader never blocks the writer, and a killed writer loses at most its open transaction.
/// </summary>
internal static class RunSchema
{
    public const string DatabaseFile = "run.db";
    public const int Version = 2;

    public static SqliteConnection Connect(string dbPath, SqliteOpenMode mode)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = dbPath, Mode = mode, Pooling = false }.ToString();
        var c = new SqliteConnection(cs);
        c.Open();
        Execute(c, "PRAGMA busy_timeout = 5000;");
        return c;
    }

    public static void Create(SqliteConnection c)
    {
        Execute(c, """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE runs (id INTEGER PRIMARY KEY CHECK (id = 1), schema_version INTEGER NOT NULL, name TEXT NOT NULL,
                kind TEXT NOT NULL, created_utc TEXT NOT NULL, finished_utc TEXT, status TEXT NOT NULL, summary_json TEXT);
            CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE metric_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE metrics (step INTEGER NOT NULL, name_id INTEGER NOT NULL REFERENCES metric_names(id), value REAL, wall_time REAL NOT NULL);
            CREATE TABLE events (id INTEGER PRIMARY KEY, step INTEGER NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL,
                message TEXT NOT NULL, wall_time REAL NOT NULL);
            CREATE TABLE snapshots (id INTEGER PRIMARY KEY, step INTEGER NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,
                json TEXT NOT NULL, wall_time REAL NOT NULL);
            """);
    }

    /// <summary>The index that makes per-metric reads fast; built at completion so inserts stay cheap.</summary>
    public static void Index(SqliteConnection c) =>
        Execute(c, "CREATE INDEX IF NOT EXISTS metrics_by_name ON metrics(name_id, step);");

    public static void Execute(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }
}
