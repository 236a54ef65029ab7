using PhaseScope.Cli.Commands.Sweep;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Cli;

/// <summary><c>phasescope sweep</c>: the grid runs once, a rerun skips what is done and redoes only what is missing,
/// and a different grid in the same directory is refused.</summary>
public class SweepCommandTests
{
    static string[] Sweep(string dir, string seeds) =>
    [
        "sweep", "--task", "modular", "--ops", "add", "--seeds", seeds, "--weight-decay", "1.0", "--steps", "40", "--out", dir,
        "--grok-args", "--p 23 --d-model 32 --heads 2 --d-ff 64 --layers 1 --threads 1 --batch-size 64 --checkpoint-every 20 --eval-every 20 --no-report --spectral-stride 10 --curvature-every 20",
    ];

    /// <summary>The probes a sweep cell carries come from the families' descriptors: every family the verdict scores at
    /// settings of its own (seed 003's consolidation with micro-batches and curvature, seed 001's spectral edge, seed 000's
    /// moments) is asked for explicitly, and the verdict's two schedules are added unless the grok arguments set them.</summary>
    [Fact]
    public void CellsCarryTheFamiliesVerdictArguments()
    {
        var plan = SweepCommand.Parse("dyck", "add", "1", "1.0", 50, "--curvature-every 7");
        var args = Assert.Single(plan.Cells()).Args;
        Assert.Equal(["grok", "--task", "dyck", "--seed", "1", "--weight-decay", "1", "--steps", "50"], args[..9]);
        Assert.Equal(["--consolidation", "micro", "--curvature", "--spectral", "--moments", "--consolidation-every", "10", "--curvature-every", "7"], args[9..]);
    }

    [Fact]
    public void GridRunsOnceAndResumesWhereItStopped()
    {
        using var dir = new TempDirectory();
        var sweep = Path.Combine(dir.Path, "sweep");
        var first = CliRunner.Run(dir.Path, Sweep(sweep, "1,2"));
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        string[] runs = ["modular-add-s1-wd1", "modular-add-s2-wd1"];
        foreach (var run in runs)
        {
            using var reader = RunReader.Open(Path.Combine(sweep, run));
            Assert.Equal("completed", reader.Info().Status);
            Assert.Equal("true", reader.Config()["spectral"]);
            Assert.Equal("micro", reader.Config()["consolidation"]);
            // The verdict schedules: C_α every 10 (grok's default is 100); λ_max as the grok arguments set it, not every 100.
            Assert.Equal("10", reader.Config()["consolidation_every"]);
            Assert.Equal("20", reader.Config()["curvature_every"]);
        }

        // One run lost (e.g. killed before its first checkpoint and cleaned away): a rerun redoes it alone.
        Directory.Delete(Path.Combine(sweep, runs[1]), recursive: true);
        var second = CliRunner.Run(dir.Path, Sweep(sweep, "1,2"));
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.Contains($"{runs[0]}: already completed, skipped", second.Stdout);
        Assert.Contains($"{runs[1]}: starting", second.Stdout);
        using (var reader = RunReader.Open(Path.Combine(sweep, runs[1]))) Assert.Equal("completed", reader.Info().Status);

        var other = CliRunner.Run(dir.Path, Sweep(sweep, "1,2,3"));
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("another sweep", other.Stderr);
        Assert.False(Directory.Exists(Path.Combine(sweep, "modular-add-s3-wd1")));
    }

    [Fact]
    public void ReservedGrokArgumentsAreRefused()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "sweep", "--out", Path.Combine(dir.Path, "s"), "--grok-args", "--seed 3");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--seed", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "s")));
    }

    /// <summary>--multitask makes one run per seed over all operations; its per-task accuracies reach the store and the
    /// verdict's multi-task table.</summary>
    [Fact]
    public void MultitaskSweepRunsOneModelOverAllOperations()
    {
        using var dir = new TempDirectory();
        var sweep = Path.Combine(dir.Path, "multi");
        var r = CliRunner.Run(dir.Path, "sweep", "--task", "modular", "--ops", "add,mul", "--multitask", "--seeds", "1", "--weight-decay", "1.0",
            "--steps", "20", "--out", sweep, "--grok-args", "--p 13 --d-model 32 --heads 2 --d-ff 64 --layers 1 --threads 1 --batch-size 64 --eval-every 10 --no-report --spectral-stride 5 --spectral-window 3 --curvature-every 10");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using (var reader = RunReader.Open(Path.Combine(sweep, "modular-add+mul-s1-wd1")))
        {
            Assert.Equal("add+mul", reader.Config()["op"]);
            Assert.Equal(2, reader.Series("eval/test_acc/add").Count);
            Assert.Equal(2, reader.Series("eval/test_acc/mul").Count);
        }
        var v = CliRunner.Run(dir.Path, "verdict", sweep);
        Assert.True(v.ExitCode == 0, v.Stdout + v.Stderr);
        Assert.Contains("## Multi-task runs", File.ReadAllText(Path.Combine(sweep, "verdict", "VERDICT.md")));

        var single = CliRunner.Run(dir.Path, "sweep", "--task", "dyck", "--multitask", "--out", Path.Combine(dir.Path, "d"));
        Assert.Equal(2, single.ExitCode);
        Assert.Contains("--multitask needs --task modular", single.Stderr);
    }

    /// <summary>--jobs 2 runs two cells at once; both complete, the grid's progress line counts them, and --jobs 0 is refused.</summary>
    [Fact]
    public void JobsRunCellsConcurrently()
    {
        using var dir = new TempDirectory();
        var sweep = Path.Combine(dir.Path, "sweep");
        var r = CliRunner.Run(dir.Path, [.. Sweep(sweep, "1,2"), "--jobs", "2"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("grid: 2/2 done", r.Stdout);
        foreach (var run in new[] { "modular-add-s1-wd1", "modular-add-s2-wd1" })
        {
            using var reader = RunReader.Open(Path.Combine(sweep, run));
            Assert.Equal("completed", reader.Info().Status);
        }
        var bad = CliRunner.Run(dir.Path, [.. Sweep(Path.Combine(dir.Path, "other"), "1"), "--jobs", "0"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--jobs 0: must be an integer in 1 … 256", bad.Stderr);
    }
}
