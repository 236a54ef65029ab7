using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Query;

namespace PhaseScope.Tests.Reporting;

/// <summary>
/// <c>phasescope query</c> over three small runs with different weight decay: the three questions of docs/QUERIES.md answered
/// in SQL equal the answers computed here from each run's store with <see cref="RunReader"/>; stores are never written; only
/// queries run; bad SQL is DuckDB's message on one line.
/// </summary>
public class RunQueryTests
{
    const string GrokStepByWeightDecay = "SELECT weight_decay, grok_step FROM runs ORDER BY weight_decay";
    const string PCrossedHalfBefore1000 =
        "SELECT run, min(step) AS first_step FROM metrics WHERE name = 'consolidation/p' AND value > 0.5 GROUP BY run HAVING min(step) < 1000 ORDER BY run";
    const string FinalTestAccuracy = "SELECT run, arg_max(value, step) AS final_test_acc FROM metrics WHERE name = 'eval/test_acc' GROUP BY run ORDER BY run";

    /// <summary>Three runs: test accuracy rises as a logistic around a run-specific step (none for weight decay 0), p crosses
    /// 0.5 at 610, 1210 or never; the summary's grok_step is the first evaluation at test accuracy ≥ 0.95.</summary>
    static void MakeRuns(string root)
    {
        var runs = new (string Name, double Wd, double? Centre, long? PCross)[] { ("wd0", 0.0, null, null), ("wd03", 0.3, 1400, 1210), ("wd1", 1.0, 700, 610) };
        foreach (var (name, wd, centre, pCross) in runs)
        {
            var config = new Dictionary<string, string> { ["weight_decay"] = wd.ToString("R", CultureInfo.InvariantCulture), ["task"] = "modular", ["settings_sha256"] = $"fp-{name}" };
            using var store = RunStore.Create(Path.Combine(root, name), name, "grok", config);
            long? grokStep = null;
            for (long step = 10; step <= 2000; step += 10)
            {
                var metrics = new List<MetricRecord>
                {
                    new(step, "loss", 1.0 / step),
                    new(step, "consolidation/p", pCross is { } c ? (step >= c ? 0.6 + step * 1e-5 : 0.4) : 0.2),
                };
                if (step % 50 == 0)
                {
                    double acc = centre is { } m ? 1 / (1 + Math.Exp(-(step - m) / 100.0)) : 0.05 + step * 1e-5;
                    metrics.Add(new(step, "eval/test_acc", acc));
                    if (acc >= 0.95) grokStep ??= step;
                }
                if (step == 100) metrics.Add(new(step, "grad_norm", double.NaN));
                store.Write(metrics);
            }
            if (pCross is { } at) store.Write(new MonitorEvent(at, "p_crossed_up", "consolidation", "p crossed 0.5"));
            store.Complete("completed", JsonSerializer.Serialize(new Dictionary<string, object?>
                { ["grok_step"] = grokStep, ["weight_decay"] = wd, ["grokked"] = grokStep is not null, ["loss_spikes"] = new[] { 3, 5 }, ["status"] = "completed" }));
        }
    }

    static List<object?[]> Rows(RunsDatabase db, string sql) => db.Query(sql).Rows.ToList();

    [Fact]
    public void TheThreeQuestionsEqualTheAnswersReadFromEachStore()
    {
        using var dir = new TempDirectory();
        MakeRuns(dir.Path);
        var expectedGrok = new List<(double, double?)>();
        var expectedCross = new List<(string, long)>();
        var expectedFinal = new List<(string, double)>();
        foreach (var run in new[] { "wd0", "wd03", "wd1" })
        {
            using var r = RunReader.Open(Path.Combine(dir.Path, run));
            double wd = double.Parse(r.Config()["weight_decay"], CultureInfo.InvariantCulture);
            var acc = r.Series("eval/test_acc");
            double? grok = acc.Where(x => x.Value >= 0.95).Select(x => (double?)x.Step).FirstOrDefault();   // from the metrics, not the summary
            expectedGrok.Add((wd, grok));
            if (r.Series("consolidation/p").Where(x => x.Value > 0.5).Select(x => (long?)x.Step).FirstOrDefault() is { } first && first < 1000)
                expectedCross.Add((run, first));
            expectedFinal.Add((run, acc.MaxBy(x => x.Step).Value));
        }
        Assert.Equal(3, expectedGrok.Count(g => g.Item1 >= 0));
        Assert.Contains(expectedGrok, g => g.Item2 is null);   // the runs differ: one never reaches 0.95

        using var db = RunsDatabase.Load(dir.Path);
        Assert.Equal(["wd0", "wd03", "wd1"], db.Runs);
        Assert.Empty(db.Skipped);
        Assert.Equal(expectedGrok.OrderBy(g => g.Item1), Rows(db, GrokStepByWeightDecay).Select(r => ((double)r[0]!, (double?)r[1])));
        Assert.Equal(expectedCross, Rows(db, PCrossedHalfBefore1000).Select(r => ((string)r[0]!, (long)r[1]!)));
        Assert.Equal(expectedFinal, Rows(db, FinalTestAccuracy).Select(r => ((string)r[0]!, (double)r[1]!)));

        // the other tables: config as a map and in long form, events, NaN as NULL, summary arrays as JSON text
        Assert.Equal("0.3", Rows(db, "SELECT config['weight_decay'] FROM runs WHERE run = 'wd03'").Single()[0]);
        Assert.Equal(3L, Rows(db, "SELECT count(*) FROM config WHERE key = 'task'").Single()[0]);
        Assert.Equal([("wd03", 1210L), ("wd1", 610L)], Rows(db, "SELECT run, step FROM events WHERE kind = 'p_crossed_up' ORDER BY run").Select(r => ((string)r[0]!, (long)r[1]!)));
        Assert.Equal(3L, Rows(db, "SELECT count(*) FROM metrics WHERE name = 'grad_norm' AND value IS NULL").Single()[0]);
        Assert.Equal("[3,5]", Rows(db, "SELECT loss_spikes FROM runs WHERE run = 'wd1'").Single()[0]);
        Assert.Equal(true, Rows(db, "SELECT grokked FROM runs WHERE run = 'wd1'").Single()[0]);
        Assert.Equal("completed", Rows(db, "SELECT summary->>'status' FROM runs WHERE run = 'wd1'").Single()[0]);
    }

    static Dictionary<string, byte[]> Files(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), f => SHA256.HashData(File.ReadAllBytes(f)));

    [Fact]
    public void QueriesNeverWriteIntoRunsAndOnlyQueriesRun()
    {
        using var dir = new TempDirectory();
        MakeRuns(dir.Path);
        var before = Files(dir.Path);
        var target = Path.Combine(dir.Path, "out.csv");
        using (var db = RunsDatabase.Load(dir.Path))
        {
            foreach (var sql in new[]
            {
                $"COPY metrics TO '{target}'", $"ATTACH '{Path.Combine(dir.Path, "x.duckdb")}'", "INSTALL sqlite", "LOAD sqlite", "SET enable_external_access = true",
                "PRAGMA enable_profiling", "CREATE TABLE t AS SELECT 1", "INSERT INTO metrics VALUES ('x', 1, 'y', 1, 1)", "DELETE FROM metrics",
                $"EXPORT DATABASE '{Path.Combine(dir.Path, "exported")}'", "SELECT 1; SELECT 2", "   ",
            })
            {
                var e = Assert.Throws<QueryException>(() => db.Query(sql));
                Assert.DoesNotContain('\n', e.Message);
            }
            // a query that reaches for a file is stopped by DuckDB itself (external access off)
            var read = Assert.Throws<QueryException>(() => db.Query("SELECT * FROM read_csv('/etc/passwd')"));
            Assert.StartsWith("Permission Error", read.Message);
            Assert.Equal(600L, Rows(db, "SELECT count(*) FROM metrics WHERE name = 'loss'").Single()[0]);   // nothing was deleted
        }
        Assert.Equal(before.Keys.Order(), Files(dir.Path).Keys.Order());   // no -wal, -shm, lock or output file appeared
        Assert.All(Files(dir.Path), f => Assert.Equal(before[f.Key], f.Value));
    }

    [Fact]
    public void BadSqlIsDuckDbsMessageOnOneLine()
    {
        using var dir = new TempDirectory();
        MakeRuns(dir.Path);
        using var db = RunsDatabase.Load(dir.Path);
        Assert.Equal("Parser Error: syntax error at or near \"SELEC\"", Assert.Throws<QueryException>(() => db.Query("SELEC 1")).Message);
        var missing = Assert.Throws<QueryException>(() => db.Query("SELECT * FROM nope")).Message;
        Assert.StartsWith("Catalog Error: Table with name nope does not exist!", missing);
        Assert.DoesNotContain("\n", missing);
        Assert.DoesNotContain("LINE 1", missing);
    }

    [Fact]
    public void ARunBeingWrittenIsReadFromItsLogAndADamagedStoreIsSkipped()
    {
        using var dir = new TempDirectory();
        MakeRuns(dir.Path);
        File.WriteAllText(Path.Combine(dir.Path, "wd0", "run.db"), "not a database");   // a damaged store
        var sweep = Path.Combine(dir.Path, "sweep");
        Directory.CreateDirectory(sweep);
        using var live = RunStore.Create(Path.Combine(sweep, "live"), "live", "grok", new Dictionary<string, string>());
        live.Write([new MetricRecord(1, "loss", 2.0), new MetricRecord(2, "loss", 1.0)]);
        live.Flush();
        Assert.True(File.Exists(Path.Combine(sweep, "live", "run.db-wal")));
        string[] Names() => Directory.GetFiles(Path.Combine(sweep, "live")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        var before = Names();

        using var db = RunsDatabase.Load(dir.Path);
        Assert.Equal(["sweep/live", "wd03", "wd1"], db.Runs);
        Assert.Contains("wd0:", Assert.Single(db.Skipped));
        Assert.Equal([("sweep/live", "running", 2L)], Rows(db, "SELECT r.run, r.status, count(m.step) FROM runs r JOIN metrics m USING (run) WHERE r.run LIKE 'sweep/%' GROUP BY ALL")
            .Select(r => ((string)r[0]!, (string)r[1]!, (long)r[2]!)));
        Assert.Equal(before, Names());   // the writer's own -wal and -shm, nothing added
    }

    [Fact]
    public void OutputIsInvariantInEveryFormat()
    {
        var result = new QueryResult(["run", "x", "n", "ok", "m"], ["VARCHAR", "DOUBLE", "BIGINT", "BOOLEAN", "MAP"],
            [["=a,b", 1.5, 12L, true, new Dictionary<string, string> { ["k"] = "v" }], [null, double.NaN, null, false, null]]);
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            var csv = new StringWriter();
            QueryOutput.Write(result, "csv", csv);
            Assert.Equal(["run,x,n,ok,m", "\"'=a,b\",1.5,12,true,\"{\"\"k\"\":\"\"v\"\"}\"", ",nan,,false,"], csv.ToString().TrimEnd().Split(Environment.NewLine));
            var json = new StringWriter();
            QueryOutput.Write(result, "json", json);
            using var doc = JsonDocument.Parse(json.ToString());
            Assert.Equal(1.5, doc.RootElement[0].GetProperty("x").GetDouble());
            Assert.Equal("v", doc.RootElement[0].GetProperty("m").GetProperty("k").GetString());
            Assert.Equal(JsonValueKind.Null, doc.RootElement[1].GetProperty("x").ValueKind);   // NaN: JSON has none
            var table = new StringWriter();
            QueryOutput.Write(result, "table", table);
            var lines = table.ToString().TrimEnd().Split(Environment.NewLine);
            Assert.Equal("run   x    n     ok     m", lines[0]);   // widths 4, 3, 4 ("NULL"), 5 ("false"), 9
            Assert.Equal("=a,b  1.5    12  true   {\"k\":\"v\"}", lines[2]);   // numbers right-aligned
            Assert.Equal("NULL  NaN  NULL  false  NULL".Split(' ', StringSplitOptions.RemoveEmptyEntries), lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal("(2 rows)", lines[^1]);
        }
        finally { CultureInfo.CurrentCulture = culture; }
    }

    [Fact]
    public void TheCommandPrintsResultsAndExits2OnBadInputWithOneLine()
    {
        using var dir = new TempDirectory();
        MakeRuns(dir.Path);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "query", FinalTestAccuracy, "--runs", dir.Path, "--format", "csv");
        Assert.True(code == 0, stderr);
        var lines = stdout.TrimEnd().Split('\n');
        Assert.Equal("run,final_test_acc", lines[0]);
        using (var r = RunReader.Open(Path.Combine(dir.Path, "wd1")))
            Assert.Equal($"wd1,{r.Series("eval/test_acc").Last().Value.ToString("R", CultureInfo.InvariantCulture)}", lines[3]);

        foreach (var args in new[]
        {
            new[] { "query", "SELEC 1", "--runs", dir.Path },
            ["query", "COPY metrics TO 'x.csv'", "--runs", dir.Path],
            ["query", "SELECT 1", "--runs", Path.Combine(dir.Path, "absent")],
            ["query", "SELECT 1", "--runs", dir.Path, "--format", "xml"],
            ["query", "SELECT 1", "--runs", Path.Combine(dir.Path, "wd1", "checkpoints-none")],
        })
        {
            (code, stdout, stderr) = CliRunner.Run(dir.Path, args);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}\n{stderr}");
            Assert.Single(stderr.TrimEnd().Split('\n'));
            Assert.StartsWith("phasescope: ", stderr);
            Assert.DoesNotContain("Exception", stderr);
            Assert.Equal("", stdout);
        }
        Assert.False(File.Exists(Path.Combine(dir.Path, "x.csv")));
        (code, _, stderr) = CliRunner.Run(dir.Path, "query", "SELEC 1", "--runs", dir.Path);
        Assert.Equal("phasescope: query: Parser Error: syntax error at or near \"SELEC\"", stderr.TrimEnd());

        var empty = Path.Combine(dir.Path, "empty");
        Directory.CreateDirectory(empty);
        (code, _, stderr) = CliRunner.Run(dir.Path, "query", "SELECT 1", "--runs", empty);
        Assert.Equal(2, code);
        Assert.Contains("holds no runs", stderr);
    }
}
