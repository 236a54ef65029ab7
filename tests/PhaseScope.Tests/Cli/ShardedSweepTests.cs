using System.Text.Json.Nodes;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Cli;

/// <summary>
/// A sweep run as 3 shards (<c>--shard 0/3</c>, <c>1/3</c>, <c>2/3</c>: three concurrent processes, as a Slurm job array
/// runs them) into one directory gives the same verdict as the same sweep in one process: VERDICT.md and verdict.json
/// are equal once the directory names in them are the same (they hold no wall-clock field).
/// </summary>
public class ShardedSweepTests
{
    static string[] Sweep(string dir) =>
    [
        "sweep", "--task", "modular", "--ops", "add", "--seeds", "1,2,3", "--weight-decay", "1.0,0.0", "--steps", "40", "--out", dir,
        "--grok-args", "--p 13 --d-model 16 --heads 2 --d-ff 32 --layers 1 --threads 1 --batch-size 32 --checkpoint-every 20 --eval-every 10 --no-report --spectral-stride 5 --spectral-window 3 --curvature-every 10",
    ];

    [Fact]
    public void ThreeConcurrentShardsMergeIntoTheSingleProcessVerdict()
    {
        using var dir = new TempDirectory();
        var single = Path.Combine(dir.Path, "single", "sweep");
        var sharded = Path.Combine(dir.Path, "sharded", "sweep");
        var whole = CliRunner.Run(dir.Path, Sweep(single));
        Assert.True(whole.ExitCode == 0, whole.Stdout + whole.Stderr);

        var shards = Enumerable.Range(0, 3).Select(i => CliRunner.Start(dir.Path, [.. Sweep(sharded), "--shard", $"{i}/3"])).ToList();
        var outputs = shards.Select(p => (p, Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
        foreach (var (p, o, e) in outputs)
        {
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, o.Result + e.Result);
            Assert.Contains("2 of the grid's 6 cells", o.Result);
            p.Dispose();
        }
        var runs = Directory.GetDirectories(sharded).Where(RunReader.IsRun).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Directory.GetDirectories(single).Where(RunReader.IsRun).Select(Path.GetFileName).Order(StringComparer.Ordinal), runs);
        Assert.Equal(6, runs.Count);
        Assert.Equal(File.ReadAllText(Path.Combine(single, "sweep.json")), File.ReadAllText(Path.Combine(sharded, "sweep.json")));

        foreach (var d in new[] { single, sharded })
        {
            var v = CliRunner.Run(dir.Path, "verdict", d);
            Assert.True(v.ExitCode == 0, v.Stdout + v.Stderr);
        }
        string Read(string sweep, string file) => File.ReadAllText(Path.Combine(sweep, "verdict", file)).Replace(sweep, "SWEEP", StringComparison.Ordinal);
        Assert.Equal(Read(single, "VERDICT.md"), Read(sharded, "VERDICT.md"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Read(single, "verdict.json")), JsonNode.Parse(Read(sharded, "verdict.json"))));

        // a shard of another grid in the same directory is refused, and touches nothing
        var other = CliRunner.Run(dir.Path, [.. Sweep(sharded).Select(a => a == "1,2,3" ? "1,2" : a), "--shard", "0/3"]);
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("another sweep", other.Stderr);
    }
}
