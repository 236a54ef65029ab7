using System.CommandLine;
using PhaseScope.Reporting.Query;

namespace PhaseScope.Cli.Commands.Runs;

/// <summary>
/// <c>phasescope query SQL [--runs DIR] [--format table|csv|json]</c>: one SQL statement (DuckDB's dialect) over every run
/// under a directory, through the tables <c>metrics</c>, <c>events</c>, <c>config</c> and <c>runs</c> (<see cref="RunsDatabase"/>;
/// docs/QUERIES.md). Reads only: stores are opened without writing into the runs, and a statement that is not a read
/// (COPY … TO, ATTACH, INSTALL, LOAD, SET, CREATE, …) is refused (<see cref="ReadOnlyStatement"/>). Bad SQL exits 2 with
/// DuckDB's message on one line.
/// </summary>
public static class QueryCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var sql = new Argument<string>("SQL") { Description = "One reading statement, e.g. \"SELECT run, grok_step FROM runs ORDER BY grok_step\"." };
        var runs = new Option<string>("--runs") { Description = "Directory holding run directories (or sweeps of them), or one run directory.", DefaultValueFactory = _ => "runs" };
        var format = new Option<string>("--format") { Description = "Output: table, csv or json.", DefaultValueFactory = _ => "table" };
        var cmd = new Command("query", "Run SQL (DuckDB) over every run under a directory: tables metrics, events, config, runs.") { sql, runs, format };
        cmd.SetAction(p => Run(p.GetValue(sql)!, p.GetValue(runs)!, p.GetValue(format)!));
        return cmd;
    }

    static int Run(string sql, string dir, string format)
    {
        if (!QueryOutput.Formats.Contains(format))
            throw new UsageException($"--format {format}: must be one of {string.Join(", ", QueryOutput.Formats)}.");
        if (File.Exists(dir)) throw new UsageException($"--runs {dir} is a file; give the directory that holds run directories (the --out of 'phasescope grok').");
        if (!Directory.Exists(dir)) throw new UsageException($"--runs {dir} does not exist; give the directory that holds run directories (the --out of 'phasescope grok').");
        try { ReadOnlyStatement.Check(sql); }   // before any store is read
        catch (QueryException e) { throw new UsageException($"query: {e.Message}"); }
        using var db = RunsDatabase.Load(dir);
        foreach (var line in db.Skipped) Console.Error.WriteLine($"phasescope: query: skipped {line}");
        if (db.Runs.Count == 0) throw new UsageException($"--runs {dir} holds no runs (no run.db in it or in its subdirectories); give the --out of 'phasescope grok' or 'sweep'.");
        QueryResult result;
        try { result = db.Query(sql); }
        catch (QueryException e) { throw new UsageException($"query: {e.Message}"); }
        QueryOutput.Write(result, format, Console.Out);
        return ExitCodes.Ok;
    }
}
