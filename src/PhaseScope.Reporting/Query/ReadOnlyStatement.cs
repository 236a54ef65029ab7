using System.Text.Json;
using DuckDB.NET.Data;

namespace PhaseScope.Reporting.Query;

/// <summary>
/// The statement rule of <c>phasescope query</c>: the SQL must be exactly one statement that DuckDB's own parser reads as a
/// query (<c>json_serialize_sql</c>, which serialises SELECT statements only: SELECT, WITH, FROM-first, VALUES, DESCRIBE,
/// SHOW, SUMMARIZE, PIVOT). Anything else — COPY … TO, ATTACH, INSTALL, LOAD, EXPORT, SET, PRAGMA, CREATE, INSERT … — is
/// refused before it runs, and SQL the parser rejects gets the parser's message. Behind the rule DuckDB runs with external
/// access off and its configuration locked (<see cref="RunsDatabase"/>), so a query cannot read or write a file (e.g.
/// <c>SELECT * FROM read_csv('…')</c>) or change that.
/// </summary>
public static class ReadOnlyStatement
{
    /// <summary>Throws <see cref="QueryException"/> when <paramref name="sql"/> is not one query; parses with a scratch in-memory
    /// DuckDB (nothing is loaded into it).</summary>
    public static void Check(string sql)
    {
        using var scratch = new DuckDBConnection("DataSource=:memory:");
        scratch.Open();
        Check(scratch, sql);
    }

    /// <summary>Throws <see cref="QueryException"/> when <paramref name="sql"/> is not one query, parsing with <paramref name="duck"/>.</summary>
    public static void Check(DuckDBConnection duck, string sql)
    {
        if (string.IsNullOrWhiteSpace(sql)) throw new QueryException("the SQL is empty; give one SELECT over the tables metrics, events, config and runs.");
        using var cmd = duck.CreateCommand();
        cmd.CommandText = "SELECT json_serialize_sql($1::VARCHAR)";
        cmd.Parameters.Add(new DuckDBParameter(sql));
        using var doc = JsonDocument.Parse((string)cmd.ExecuteScalar()!);
        var o = doc.RootElement;
        if (o.GetProperty("error").GetBoolean())
        {
            string type = o.TryGetProperty("error_type", out var t) ? t.GetString() ?? "" : "";
            string message = o.TryGetProperty("error_message", out var m) ? m.GetString() ?? "" : "";
            if (type == "parser") throw new QueryException($"Parser Error: {message}");
            throw new QueryException("only queries run (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, PIVOT): this statement is not one. Queries never write files or runs.");
        }
        int count = o.GetProperty("statements").GetArrayLength();
        if (count != 1) throw new QueryException($"give one statement at a time (got {count}, separated by ';').");
    }
}
