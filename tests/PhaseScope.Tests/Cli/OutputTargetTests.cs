using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Cli;

/// <summary>
/// Issue 24 item 2: <c>report --out</c> and <c>compare --out</c> onto a run's own files (its store, a checkpoint) wrote
/// HTML over them with exit 0. They now refuse (exit 2, the file untouched); an earlier report is still replaced.
/// </summary>
public class OutputTargetTests
{
    static string MakeRun(string root)
    {
        var dir = Path.Combine(root, "r");
        using (var store = RunStore.Create(dir, "r", "grok", new Dictionary<string, string>()))
        {
            store.Write([new MetricRecord(10, "loss", 1.0), new MetricRecord(20, "loss", 0.5)]);
            store.Complete("completed", """{"grokked":false}""");
        }
        Directory.CreateDirectory(Path.Combine(dir, "checkpoints"));
        File.WriteAllBytes(Path.Combine(dir, "checkpoints", "step-20.safetensors"), [1, 2, 3, 4]);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        return dir;
    }

    [Theory]
    [InlineData("report", "run.db")]
    [InlineData("report", "checkpoints/step-20.safetensors")]
    [InlineData("report", "notes.txt")]
    [InlineData("compare", "run.db")]
    [InlineData("compare", "checkpoints/new.html")]
    public void RefusesToWriteOverARunsFiles(string command, string target)
    {
        using var tmp = new TempDirectory();
        var dir = MakeRun(tmp.Path);
        var path = Path.Combine(dir, target);
        byte[]? before = File.Exists(path) ? File.ReadAllBytes(path) : null;
        var (code, _, stderr) = CliRunner.Run(tmp.Path, command, dir, "--out", path);
        Assert.Equal(2, code);
        Assert.Contains("--out", stderr);
        Assert.DoesNotContain("   at ", stderr);   // no stack trace
        if (before is null) Assert.False(File.Exists(path));
        else Assert.Equal(before, File.ReadAllBytes(path));
        using var reader = RunReader.Open(dir);   // the store still opens
        Assert.Equal(2, reader.Series("loss").Count);
    }

    [Fact]
    public void AnEarlierReportIsReplaced()
    {
        using var tmp = new TempDirectory();
        var dir = MakeRun(tmp.Path);
        var path = Path.Combine(dir, "report.html");
        Assert.Equal(0, CliRunner.Run(tmp.Path, "report", dir).ExitCode);
        var (code, _, stderr) = CliRunner.Run(tmp.Path, "report", dir, "--out", path);
        Assert.True(code == 0, stderr);
        var (empty, _, emptyErr) = CliRunner.Run(tmp.Path, "report", dir, "--out", "");
        Assert.Equal(2, empty);
        Assert.Contains("--out is empty", emptyErr);
    }
}
