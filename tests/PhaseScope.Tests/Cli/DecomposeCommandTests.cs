using System.Text.Json;

namespace PhaseScope.Tests.Cli;

/// <summary><c>phasescope decompose</c> (seed 001 §28, Test 8) on a tiny grok run with a checkpoint every 5 steps.</summary>
public class DecomposeCommandTests
{
    static string TinyRun(TempDirectory dir)
    {
        var grok = CliRunner.Run(dir.Path, "grok", "--task", "modular", "--p", "23", "--steps", "80", "--eval-every", "20", "--cheap-only", "--d-model", "16",
            "--heads", "2", "--d-ff", "32", "--layers", "1", "--threads", "1", "--checkpoint-every", "5", "--no-report", "--json", "--out", dir.Path, "--name", "base");
        Assert.True(grok.ExitCode == 0, grok.Stderr);
        return Path.Combine(dir.Path, "base");
    }

    /// <summary>Two timepoints × two windows: one row each, m = W/2 directions, ρ within [−1, 1], and the measured loss
    /// change equal to the difference of the test losses the rows report at the two timepoints (t = 20 and t + W·s = 40 for W = 4).</summary>
    [Fact]
    public void ScoresEveryTimepointAndWindow()
    {
        using var dir = new TempDirectory();
        var run = TinyRun(dir);
        var outDir = Path.Combine(dir.Path, "dec");
        var r = CliRunner.Run(dir.Path, "decompose", run, "--timepoints", "40,20", "--stride", "5", "--windows", "4,6", "--threads", "1", "--json", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var j = JsonDocument.Parse(r.Stdout);
        var rows = j.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(new[] { (20L, 4), (20L, 6), (40L, 4), (40L, 6) }, rows.Select(x => (x.GetProperty("t").GetInt64(), x.GetProperty("window").GetInt32())));
        foreach (var x in rows)
        {
            Assert.Equal(x.GetProperty("window").GetInt32() / 2, x.GetProperty("sigma").GetArrayLength());
            foreach (var name in new[] { "rho_with", "rho_without" })
                if (x.GetProperty(name).ValueKind == JsonValueKind.Number) Assert.InRange(x.GetProperty(name).GetDouble(), -1 - 1e-12, 1 + 1e-12);
        }
        double l20 = rows[0].GetProperty("test_loss").GetDouble(), l40 = rows[2].GetProperty("test_loss").GetDouble();
        Assert.Equal(l40 - l20, rows[0].GetProperty("loss_change_next").GetDouble(), 6);
        Assert.Equal(new[] { 4, 6 }, j.RootElement.GetProperty("summary").EnumerateArray().Select(s => s.GetProperty("window").GetInt32()));
        Assert.True(File.Exists(Path.Combine(outDir, "decomposition.md")) && File.Exists(Path.Combine(outDir, "decomposition.json")));

        // at t = 70 the window (60 … 80) fits the run, the next window's end (90) does not: its figures are null
        var edge = CliRunner.Run(dir.Path, "decompose", run, "--timepoints", "70", "--stride", "5", "--windows", "4", "--threads", "1", "--json");
        Assert.True(edge.ExitCode == 0, edge.Stderr);
        using var e = JsonDocument.Parse(edge.Stdout);
        var row = e.RootElement.GetProperty("rows")[0];
        Assert.Equal(JsonValueKind.Null, row.GetProperty("loss_change_next").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("first_order_next").ValueKind);
        Assert.Equal(JsonValueKind.Number, row.GetProperty("loss_change_half").ValueKind);
    }

    [Theory]
    [InlineData("--windows", "5", "--windows 5: must be even")]
    [InlineData("--windows", "2", "--windows")]
    [InlineData("--timepoints", "75", "--timepoints 75: W = 4 at --stride 5 needs the checkpoints at steps 65 … 85")]
    [InlineData("--timepoints", "10", "step 0 is not in")]
    [InlineData("--stride", "7", "needs the checkpoints at steps")]
    [InlineData("--stride", "0", "--stride 0")]
    public void BadArgumentsAreExitTwoAndWriteNothing(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        var run = TinyRun(dir);
        var args = new Dictionary<string, string> { ["--timepoints"] = "20", ["--stride"] = "5", ["--windows"] = "4" };
        args[option] = value;
        var outDir = Path.Combine(dir.Path, "dec");
        var r = CliRunner.Run(dir.Path, ["decompose", run, .. args.SelectMany(kv => new[] { kv.Key, kv.Value }), "--out", outDir]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
        Assert.Equal(2, CliRunner.Run(dir.Path, "decompose", Path.Combine(dir.Path, "nope"), "--timepoints", "20", "--stride", "5").ExitCode);
        Directory.CreateDirectory(outDir);
        var taken = CliRunner.Run(dir.Path, "decompose", run, "--timepoints", "20", "--stride", "5", "--windows", "4", "--out", outDir);
        Assert.Equal(2, taken.ExitCode);
        Assert.Contains("already exists", taken.Stderr, StringComparison.Ordinal);
    }
}
