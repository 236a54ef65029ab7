using Microsoft.Data.Sqlite;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Reporting.Query;

/// <summary>
/// Opens a run's <c>run.db</c> without writing anything into the run directory. A store with no <c>-wal</c> file (closed
/// cleanly: no writer holds it) is opened <c>immutable</c>, which reads the file as it is and creates no <c>-wal</c>/<c>-shm</c>
/// beside it (SQLite's read-only mode would create both and leave them); a store with a <c>-wal</c> (a run being written, or
/// killed) is opened read-only, reading the log the writer keeps, inside one read transaction so every table comes from the
/// same snapshot.
/// </summary>
internal static class ReadOnlyStore
{
    public static SqliteConnection Open(string runDirectory)
    {
        var db = Path.GetFullPath(Path.Combine(runDirectory, RunSchema.DatabaseFile));
        bool quiescent = !File.Exists(db + "-wal");
        var source = quiescent ? new Uri(db).AbsoluteUri + "?immutable=1" : db;
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            c.Open();
            RunSchema.Execute(c, "PRAGMA busy_timeout = 5000;");
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }
}
