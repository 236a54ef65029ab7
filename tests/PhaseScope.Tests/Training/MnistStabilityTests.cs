using System.Text.Json;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Training;

/// <summary>The mnist command's stability probe (λ_max(P⁻¹H) against AdamW's threshold, the directional sharpness) and
/// its options, on a fake MNIST of 40 random images.</summary>
public class MnistStabilityTests
{
    static string[] Tiny(string dir) => ["mnist", "--mnist", dir, "--hidden", "8,6", "--train-size", "32", "--batch-size", "0", "--steps", "4", "--eval-every", "2",
        "--curvature-every", "0", "--consolidation-every", "0", "--spectral-stride", "0", "--threads", "1", "--out", dir, "--no-report", "--json"];

    /// <summary>With AdamW (β₁ = 0.9, η = 0.01, no decay) the threshold at step t is c₁(1 + β₁)·2/((1 − β₁)η) with
    /// c₁ = 1 − 0.9ᵗ (docs/INSTABILITY.md, "Thresholds"): 0.19 · 3,800 = 722 at step 2 and 0.3439 · 3,800 = 1,306.82 at
    /// step 4; the margin is the threshold less the measured λ_max(P⁻¹H), the ratio λ over the threshold.</summary>
    [Fact]
    public void AdamWRunsRecordThePreconditionedSharpnessAgainstItsThreshold()
    {
        using var tmp = new TempDirectory();
        MnistPruningTests.FakeMnist(tmp.Path);
        var r = CliRunner.Run(tmp.Path, [.. Tiny(tmp.Path), "--name", "adamw", "--optimizer", "adamw", "--lr", "0.01",
            "--stability-every", "2", "--stability-preconditioned-every", "2", "--stability-batch", "16"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var reader = RunReader.Open(Path.Combine(tmp.Path, "adamw"));
        var threshold = reader.Series("stability/threshold");
        Assert.Equal([2L, 4L], threshold.Select(x => x.Step));
        Assert.Equal(722.0, threshold[0].Value, 6);
        Assert.Equal(1306.82, threshold[1].Value, 6);
        var lambda = reader.Series("stability/preconditioned_lambda_max");
        var margin = reader.Series("stability/margin");
        var ratio = reader.Series("stability/sharpness_ratio");
        Assert.Equal([2L, 4L], lambda.Select(x => x.Step));
        for (int i = 0; i < 2; i++)
        {
            Assert.True(lambda[i].Value > 0 && double.IsFinite(lambda[i].Value), $"λ_max(P⁻¹H) = {lambda[i].Value}");
            Assert.Equal(threshold[i].Value - lambda[i].Value, margin[i].Value, 9);
            Assert.Equal(lambda[i].Value / threshold[i].Value, ratio[i].Value, 12);
        }
        Assert.Equal([2L, 4L], reader.Series("stability/directional_sharpness").Select(x => x.Step));
        var config = reader.Config();
        Assert.Equal("2", config["stability_preconditioned_every"]);
        Assert.Equal("16", config["stability_batch"]);
    }

    [Fact]
    public void SgdRunsRecordTheDirectionalSharpnessOnlyAndTheProbeIsOffByDefault()
    {
        using var tmp = new TempDirectory();
        MnistPruningTests.FakeMnist(tmp.Path);
        var on = CliRunner.Run(tmp.Path, [.. Tiny(tmp.Path), "--name", "sgd", "--lr", "0.1", "--stability-every", "1"]);
        Assert.True(on.ExitCode == 0, on.Stderr);
        var off = CliRunner.Run(tmp.Path, [.. Tiny(tmp.Path), "--name", "off", "--lr", "0.1"]);
        Assert.True(off.ExitCode == 0, off.Stderr);
        using (var reader = RunReader.Open(Path.Combine(tmp.Path, "sgd")))
        {
            Assert.Equal([1L, 2L, 3L, 4L], reader.Series("stability/directional_sharpness").Select(x => x.Step));
            Assert.Empty(reader.Series("stability/preconditioned_lambda_max"));
            Assert.Equal("32", reader.Config()["stability_batch"]);   // 0: the whole subset (32 < 1,000)
        }
        using (var reader = RunReader.Open(Path.Combine(tmp.Path, "off")))
        {
            Assert.Empty(reader.Series("stability/directional_sharpness"));
            Assert.False(reader.Config().ContainsKey("stability_every"));
        }
    }

    [Theory]
    [InlineData("--stability-preconditioned-every 5", "--stability-preconditioned-every 5: λ_max(P⁻¹H) needs AdamW's preconditioner")]
    [InlineData("--stability-batch 16", "--stability-batch 16: only applies with --stability-every or --stability-preconditioned-every")]
    [InlineData("--stability-every 1 --stability-batch 33", "--stability-batch 33: must be at most --train-size 32")]
    [InlineData("--stability-every -1", "--stability-every -1: must be")]
    [InlineData("--stability-every 2.5", "--stability-every 2.5: must be")]
    [InlineData("--stability-preconditioned-every x --optimizer adamw", "--stability-preconditioned-every x: must be")]
    public void BadStabilityOptionsExitTwoWithOneLineAndWriteNothing(string options, string message)
    {
        using var tmp = new TempDirectory();
        MnistPruningTests.FakeMnist(tmp.Path);
        var r = CliRunner.Run(tmp.Path, [.. Tiny(tmp.Path), "--name", "bad", .. options.Split(' ')]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.Equal("", r.Stdout);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "bad")));
    }

    /// <summary>AdamW's first update is ≈ η·g/|g| = ±10³⁰ per weight: finite in float32, and step 1's loss was computed at
    /// θ₀, so nothing is non-finite at step 1. Step 2's forward pass multiplies 784 inputs by weights of 10³⁰ and then 8
    /// hidden units of ≈ 10³³ by 10³⁰ again, past float32's 3.4·10³⁸: the loss is not finite and the run stops there,
    /// stored as diverged, with exit 4 and no final.safetensors (its weights are not a network to prune from).</summary>
    [Fact]
    public void ADivergedRunIsStoredAsDivergedAtItsStep()
    {
        using var tmp = new TempDirectory();
        MnistPruningTests.FakeMnist(tmp.Path);
        var r = CliRunner.Run(tmp.Path, [.. Tiny(tmp.Path), "--name", "nan", "--optimizer", "adamw", "--lr", "1e30"]);
        Assert.True(r.ExitCode == 4, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Contains("Diverged at step 2", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        using (var json = JsonDocument.Parse(r.Stdout))
        {
            Assert.Equal("diverged", json.RootElement.GetProperty("status").GetString());
            Assert.Equal(2, json.RootElement.GetProperty("diverged_at").GetInt64());
            Assert.Contains("Diverged at step 2", json.RootElement.GetProperty("diagnosis").GetString());
        }
        var runDir = Path.Combine(tmp.Path, "nan");
        using (var reader = RunReader.Open(runDir))
        {
            Assert.Equal(RunStatus.Diverged, reader.Info().Status);
            var diverged = Assert.Single(reader.Events(), e => e.Event.Kind == "diverged");
            Assert.Equal(2, diverged.Event.Step);
            Assert.DoesNotContain(reader.Series("loss"), x => x.Step > 2);
        }
        Assert.False(File.Exists(Path.Combine(runDir, "final.safetensors")));
        Assert.True(File.Exists(Path.Combine(runDir, "init.safetensors")));
    }
}
