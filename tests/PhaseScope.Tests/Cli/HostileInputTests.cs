using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Cli;

/// <summary>
/// Issue 24 item 4, 5 and 10: bad input that ended in a .NET stack trace (exit 1), a native allocator error, a hang or a
/// half-written run. Each must now be exit 2 with a message naming the problem, no stack trace, and nothing created.
/// </summary>
public class HostileInputTests
{
    public static TheoryData<string[], string> BadGrokArguments => new()
    {
        { ["--clip", "1e400"], "--clip 1e400: must be a finite number ≥ 0" },
        { ["--lr", "1e308"], "--lr 1e308: must be a number in (0, 1e36]" },
        { ["--lr", "2", "--weight-decay", "1"], "× --weight-decay" },
        { ["--d-model", "2000000000"], "--d-model 2000000000: must be an integer in 1 … 65536" },
        { ["--d-model", "60000"], "GB to train" },
        { ["--name", new string('x', 300)], "give at most 120" },
        { ["--name", "a\nb"], "control character" },
        { ["--name", "a/b"], "single directory name" },
        { ["--threads", "100000"], "logical processors" },
        { ["--allow-settings-change", "steps"], "only applies with --resume" },
        { ["--llc-step-size", "1e-5"], "only apply with --llc N" },
        { ["--llc", "0"], "--llc 0: must be an integer ≥ 1" },
        { ["--llc", "100", "--llc-step-size", "-1"], "--llc-step-size -1: must be a finite number > 0" },
        { ["--llc", "100", "--llc-batch", "0"], "--llc-batch 0: must be an integer in 1 … 1048576" },
        { ["--grok-predictor", "/nonexistent/model.json"], "does not exist" },
        { ["--optimizer", "sgd"], "use adamw or muon" },
        { ["--optimizer", ""], "use adamw or muon" },
        { ["--muon-lr", "0.01"], "only apply with --optimizer muon" },
        { ["--optimizer", "muon", "--muon-lr", "1e300"], "--muon-lr 1e300: must be a number in (0, 10]" },
        { ["--optimizer", "muon", "--muon-lr", "NaN"], "--muon-lr NaN: must be a number in (0, 10]" },
        { ["--optimizer", "muon", "--muon-momentum", "1"], "--muon-momentum 1: must be a number in [0, 1)" },
        { ["--optimizer", "muon", "--muon-lr", "2", "--weight-decay", "1"], "flip the hidden weights' sign" },
    };

    [Theory]
    [MemberData(nameof(BadGrokArguments))]
    public void BadGrokArgumentsAreExitTwoWithAMessageAndNothingWritten(string[] bad, string expected)
    {
        using var tmp = new TempDirectory();
        var outDir = Path.Combine(tmp.Path, "runs");
        var (code, _, stderr) = CliRunner.Run(tmp.Path, ["grok", "--steps", "5", "--out", outDir, .. bad]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "a run directory was created");
    }

    [Fact]
    public void AnEmptyOutIsExitTwo()
    {
        using var tmp = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run(tmp.Path, "grok", "--steps", "5", "--out", "");
        Assert.Equal(2, code);
        Assert.Contains("--out is empty", stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
    }

    static string Run(string root, string name, string? summary)
    {
        var dir = Path.Combine(root, name);
        using var store = RunStore.Create(dir, name, "grok", new Dictionary<string, string>());
        for (long s = 10; s <= 100; s += 10) store.Write([new MetricRecord(s, "loss", 1.0 / s), new MetricRecord(s, "eval/test_loss", 2.0 / s + s % 20)]);
        if (summary is not null) store.Complete("completed", summary);
        return dir;
    }

    [Fact]
    public void RunsListsTheOthersWhenOneSummaryIsNotJsonAndNamesAFile()
    {
        using var tmp = new TempDirectory();
        Run(tmp.Path, "good", """{"steps":100,"grokked":true,"grok_step":60}""");
        Run(tmp.Path, "bad", "{not json");
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "runs", tmp.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("good", stdout);
        Assert.Contains("bad", stdout);
        Assert.Contains("summary unreadable", stdout);

        var file = Path.Combine(tmp.Path, "file.txt");
        File.WriteAllText(file, "x");
        (code, _, stderr) = CliRunner.Run(tmp.Path, "runs", file);
        Assert.Equal(2, code);
        Assert.Contains("is a file", stderr);
    }

    [Fact]
    public void CorrelateBoundsTheLagAndCopesWithDuplicatedSteps()
    {
        using var tmp = new TempDirectory();
        var dir = Run(tmp.Path, "r", """{"steps":100}""");
        var (code, _, stderr) = CliRunner.Run(tmp.Path, "correlate", dir, "--metric", "loss", "--max-lag", "2147483647");
        Assert.Equal(2, code);
        Assert.Contains("--max-lag 2147483647: must be an integer in 0 … 100000", stderr);   // the declared cap: one correlation per lag
        (code, _, stderr) = CliRunner.Run(tmp.Path, "correlate", dir, "--metric", "loss", "--max-lag", "100000");
        Assert.Equal(2, code);
        Assert.Contains("at most 7", stderr);   // 10 common steps, each lag needs 3 pairs

        // a store written twice over some steps (two writers before the run lock): the last value of each step counts
        var dup = Path.Combine(tmp.Path, "dup");
        using (var store = RunStore.Create(dup, "dup", "grok", new Dictionary<string, string>()))
            for (int pass = 0; pass < 2; pass++)
                for (long s = 10; s <= 100; s += 10) store.Write([new MetricRecord(s, "loss", 1.0 / s + pass), new MetricRecord(s, "eval/test_loss", 1.0 / s)]);
        (code, var stdout, stderr) = CliRunner.Run(tmp.Path, "correlate", dup, "--metric", "loss", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("recorded more than once", stderr);
        Assert.Contains("\"points\":10", stdout);
    }

    [Fact]
    public void SweepWithAMistypedGrokOptionSaysWhichAndWritesNothing()
    {
        using var tmp = new TempDirectory();
        var outDir = Path.Combine(tmp.Path, "sweep");
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "sweep", "--steps", "5", "--seeds", "1", "--weight-decay", "1", "--ops", "add",
            "--grok-args", "--frobnicate", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("--frobnicate", stderr);   // the parser's own message, not only "Run 'phasescope --help'"
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(Directory.Exists(outDir), "the sweep wrote its directory before finding the bad option");
        Assert.DoesNotContain("starting", stdout);
    }

    [Fact]
    public void CompareNeedsTwoDifferentRuns()
    {
        using var tmp = new TempDirectory();
        var a = Run(tmp.Path, "a", """{"steps":100}""");
        var html = Path.Combine(tmp.Path, "c.html");
        var (code, _, stderr) = CliRunner.Run(tmp.Path, "compare", a, "--out", html);
        Assert.Equal(2, code);
        Assert.Contains("two or more run directories", stderr);
        Assert.Contains("phasescope report", stderr);
        (code, _, stderr) = CliRunner.Run(tmp.Path, "compare", a, a + "/", "--out", html);
        Assert.Equal(2, code);
        Assert.Contains("more than once", stderr);
        Assert.False(File.Exists(html));
    }
}
