using System.Text.Json;
using DuckDB.NET.Data;
using Parquet;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Outputs.Export;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Reporting;

/// <summary>Exports name their run: a run column and the settings fingerprint in every row, and in Parquet's key-value
/// metadata the name, status, fingerprint, config, settings.json and summary, so many runs' files read as one table.</summary>
public class ExportIdentityTests
{
    static string MakeRun(string root, string name, double wd, string? changedTo = null)
    {
        var dir = Path.Combine(root, name);
        var config = new Dictionary<string, string> { ["weight_decay"] = wd.ToString("R", System.Globalization.CultureInfo.InvariantCulture), ["settings_sha256"] = $"sha-{name}" };
        using (var store = RunStore.Create(dir, name, "grok", config))
        {
            store.Write([new MetricRecord(10, "loss", 1 + wd), new MetricRecord(20, "loss", 0.5 + wd)]);
            if (changedTo is not null) store.Write(new MonitorEvent(15, "settings_changed", "trainer", $"settings.json changed on resume: lr 0.001 → 0.002; new settings fingerprint {changedTo}."));
            store.Complete("completed", $$"""{"grok_step":{{(wd > 0 ? "100" : "null")}}}""");
        }
        File.WriteAllText(Path.Combine(dir, "settings.json"), $$"""{"weight_decay": {{wd}}}""");
        return dir;
    }

    [Fact]
    public async Task ParquetFilesCarryTheRunInColumnsAndMetadataAndConcatenate()
    {
        using var tmp = new TempDirectory();
        var a = MakeRun(tmp.Path, "a", 0.0);
        var b = MakeRun(tmp.Path, "b", 1.0, changedTo: "sha-b2");
        foreach (var dir in new[] { a, b })
        {
            using var reader = RunReader.Open(dir);
            ParquetExport.Write(reader, dir);
            CsvExport.Write(reader, dir);
        }

        await using (var file = File.OpenRead(Path.Combine(b, "metrics.parquet")))
        await using (var reader = await ParquetReader.CreateAsync(file))
        {
            var meta = reader.CustomMetadata;
            Assert.Equal("b", meta["phasescope.run"]);
            Assert.Equal("completed", meta["phasescope.status"]);
            Assert.Equal("sha-b2", meta["phasescope.fingerprint"]);   // the newest fingerprint a resume accepted
            Assert.Equal(File.ReadAllText(Path.Combine(b, "settings.json")), meta["phasescope.settings"]);
            Assert.Equal("1", JsonDocument.Parse(meta["phasescope.config"]).RootElement.GetProperty("weight_decay").GetString());
            Assert.Equal(100, JsonDocument.Parse(meta["phasescope.summary"]).RootElement.GetProperty("grok_step").GetInt32());
        }
        await using (var file = File.OpenRead(Path.Combine(a, "events.parquet")))
        await using (var reader = await ParquetReader.CreateAsync(file))
            Assert.Equal("sha-a", reader.CustomMetadata["phasescope.fingerprint"]);

        // Both runs' files read as one table by DuckDB, told apart by the run column.
        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var cmd = duck.CreateCommand();
        cmd.CommandText = $"SELECT run, fingerprint, count(*), max(value) FROM read_parquet(['{a}/metrics.parquet', '{b}/metrics.parquet']) GROUP BY ALL ORDER BY run";
        var rows = new List<(string, string, long, double)>();
        using (var r = cmd.ExecuteReader())
            while (r.Read()) rows.Add((r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetDouble(3)));
        Assert.Equal([("a", "sha-a", 2L, 1.0), ("b", "sha-b2", 2L, 2.0)], rows);
        cmd.CommandText = $"SELECT run, count(*) FROM read_csv(['{a}/metrics.csv', '{b}/metrics.csv']) GROUP BY ALL ORDER BY run";
        var csvRows = new List<(string, long)>();
        using (var r = cmd.ExecuteReader())
            while (r.Read()) csvRows.Add((r.GetString(0), r.GetInt64(1)));
        Assert.Equal([("a", 2L), ("b", 2L)], csvRows);
    }
}
