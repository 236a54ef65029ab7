using System.Text.Json;

namespace PhaseScope.Tests.Cli;

/// <summary><c>phasescope llc</c> over a real run's checkpoints, and its refusals of bad input (exit 2, a message, no stack trace).</summary>
public class LlcCommandTests
{
    [Fact]
    public void EstimatesAtEveryCheckpointAndLeavesTheRunAlone()
    {
        using var tmp = new TempDirectory();
        var (code, _, err) = CliRunner.Run(tmp.Path, "grok", "--steps", "20", "--checkpoint-every", "10", "--eval-every", "10", "--cheap-only", "--no-report",
            "--grok-predictor", "off", "--threads", "1", "--out", tmp.Path, "--name", "r");
        Assert.True(code == 0, err);
        var run = Path.Combine(tmp.Path, "r");
        var before = Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        (code, var stdout, err) = CliRunner.Run(tmp.Path, "llc", run, "--chains", "2", "--draws", "5", "--burn-in", "2", "--batch-size", "32", "--threads", "1", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        var points = doc.RootElement.GetProperty("checkpoints").EnumerateArray().ToList();
        Assert.Equal([10L, 20L], points.Select(p => p.GetProperty("step").GetInt64()));
        Assert.All(points, p => Assert.True(double.IsFinite(p.GetProperty("lambda_hat").GetDouble())));
        Assert.Equal(0, points.Sum(p => p.GetProperty("diverged").GetInt32()));
        var n = doc.RootElement.GetProperty("train_examples").GetInt64();
        Assert.Equal(n / Math.Log(n), doc.RootElement.GetProperty("nbeta").GetDouble(), 9);
        Assert.Equal(before, Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc));

        (code, _, err) = CliRunner.Run(tmp.Path, "llc", run, "--steps", "15");
        Assert.Equal(2, code);
        Assert.Contains("no checkpoint at that step; ", err);
        Assert.Contains("10, 20", err);
        (code, _, err) = CliRunner.Run(tmp.Path, "llc", run, "--steps", "ten");
        Assert.Equal(2, code);
        Assert.Contains("comma", err);
        (code, _, err) = CliRunner.Run(tmp.Path, "llc", run, "--step-size", "0");
        Assert.Equal(2, code);
        Assert.Contains("--step-size", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void RefusesWhatIsNotARunWithCheckpoints()
    {
        using var tmp = new TempDirectory();
        var (code, _, err) = CliRunner.Run(tmp.Path, "llc", Path.Combine(tmp.Path, "missing"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", err);
        Directory.CreateDirectory(Path.Combine(tmp.Path, "empty"));
        (code, _, err) = CliRunner.Run(tmp.Path, "llc", Path.Combine(tmp.Path, "empty"));
        Assert.Equal(2, code);
        Assert.Contains("settings.json", err);
        Assert.DoesNotContain("   at ", err);
    }
}
