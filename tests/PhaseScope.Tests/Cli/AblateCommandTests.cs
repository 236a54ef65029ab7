using System.Text.Json;

namespace PhaseScope.Tests.Cli;

/// <summary>seed 001's Test 8 as an intervention (<c>phasescope ablate</c>, issue 23).</summary>
public class AblateCommandTests
{
    /// <summary>The reference arm is the run itself: retrained to t₀ and continued without intervention, it ends with the
    /// original run's final test loss to the bit (an independent process, the grok command). The top-k arm removes most of
    /// each update of the watched tensors (their updates live near the window's top directions), unit random planes
    /// almost nothing, and the matched controls the same summed norm as top-k (shown in the table); the run directory gains only its
    /// ablation folder.</summary>
    [Fact]
    public void ReferenceArmReproducesTheRunAndTopDirectionsCarryTheUpdate()
    {
        using var dir = new TempDirectory();
        var grok = CliRunner.Run(dir.Path, "grok", "--task", "modular", "--p", "23", "--steps", "100", "--eval-every", "50", "--cheap-only", "--d-model", "32",
            "--heads", "2", "--d-ff", "64", "--layers", "1", "--threads", "1", "--no-report", "--json", "--out", dir.Path, "--name", "base");
        Assert.True(grok.ExitCode == 0, grok.Stderr);
        var run = Path.Combine(dir.Path, "base");
        var before = Directory.GetFileSystemEntries(run).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var ablate = CliRunner.Run(dir.Path, "ablate", run, "--at", "60", "--span", "40", "--window", "4", "--stride", "5", "--k", "2", "--random", "2", "--threads", "1", "--json");
        Assert.True(ablate.ExitCode == 0, ablate.Stderr);

        using var g = JsonDocument.Parse(grok.Stdout);
        using var a = JsonDocument.Parse(ablate.Stdout);
        var arms = a.RootElement.GetProperty("arms").EnumerateArray().ToDictionary(x => x.GetProperty("arm").GetString()!, x => x);
        Assert.Equal(new[] { "none", "top-2", "only-v1", "only-v2", "random-1", "random-2", "matched-1", "matched-2" }, arms.Keys);
        Assert.Equal(g.RootElement.GetProperty("final_test_loss").GetDouble(), arms["none"].GetProperty("test_loss").GetDouble());
        double Share(string arm) => arms[arm].GetProperty("removed_fraction").GetDouble();
        Assert.True(Share("top-2") > 0.5, $"top-2 removed {Share("top-2")}");
        Assert.True(Share("random-1") < 0.1 && Share("random-2") < 0.1, $"random removed {Share("random-1")}, {Share("random-2")}");
        Assert.InRange(Share("matched-1"), 0.3, 1.0);
        double Removed(string arm) => arms[arm].GetProperty("removed_norm").GetDouble();
        Assert.All(new[] { "matched-1", "matched-2" }, m => Assert.Equal(1.0, Removed(m) / Removed("top-2"), 4));   // the same norm, step by step
        Assert.Contains("| removed ‖·‖, summed |", File.ReadAllText(Path.Combine(run, "ablation-60", "ablation.md")), StringComparison.Ordinal);
        Assert.NotEqual(arms["none"].GetProperty("train_loss").GetDouble(), arms["top-2"].GetProperty("train_loss").GetDouble());

        var after = Directory.GetFileSystemEntries(run).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(before.Append("ablation-60").Order(StringComparer.Ordinal), after);
        Assert.Equal(new[] { "ablation.json", "ablation.md" }, Directory.GetFiles(Path.Combine(run, "ablation-60")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // again at the same step: refused, nothing changed
        var again = CliRunner.Run(dir.Path, "ablate", run, "--at", "60", "--window", "4", "--stride", "5");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--at", "10", "needs W·s")]
    [InlineData("--k", "20", "--k must lie in 1")]
    [InlineData("--span", "0", "--span 0: must be an integer in 1 … 100000000")]
    public void BadSettingsAreExitTwo(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        var grok = CliRunner.Run(dir.Path, "grok", "--task", "modular", "--p", "23", "--steps", "5", "--cheap-only", "--d-model", "16", "--heads", "2",
            "--d-ff", "16", "--layers", "1", "--threads", "1", "--no-report", "--json", "--out", dir.Path, "--name", "base");
        Assert.True(grok.ExitCode == 0, grok.Stderr);
        string[] args = option == "--at" ? ["ablate", Path.Combine(dir.Path, "base"), option, value] : ["ablate", Path.Combine(dir.Path, "base"), "--at", "200", option, value];
        var r = CliRunner.Run(dir.Path, args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "base", "ablation-200.partial")));
        Assert.Equal(2, CliRunner.Run(dir.Path, "ablate", Path.Combine(dir.Path, "nope"), "--at", "100").ExitCode);
    }
}
