using System.Diagnostics;
using System.Text.Json;
using PhaseScope.Reporting.Store;
using PhaseScope.Training.Resume;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// The exit-code table a script can trust (src/PhaseScope.Cli/CliError.cs, docs/RELIABILITY.md): one test per code.
/// 130 and 143 are <see cref="SignalTests"/>. No message names an exception type.
/// </summary>
public class ExitCodeTests
{
    static readonly string[] Tiny = ["grok", "--task", "modular", "--p", "7", "--d-model", "8", "--heads", "2", "--d-ff", "16", "--layers", "1",
        "--threads", "1", "--eval-every", "10", "--no-report", "--json", "--cheap-only"];

    static void AssertNoTypeName(string text)
    {
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain("   at ", text);
    }

    [Fact]
    public void ZeroForACompletedRun()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, [.. Tiny, "--steps", "10", "--out", dir.Path, "--name", "run"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var reader = RunReader.Open(Path.Combine(dir.Path, "run"));
        Assert.Equal("completed", reader.Info().Status);
    }

    /// <summary>
    /// 4: with lr = 10³⁰ AdamW's first update moves every parameter whose gradient is not 0 by ≈ ±lr (its first step is
    /// lr·g/(|g| + ε) with bias correction), so after step 1 the weights are ≈ 10³⁰: finite in float32 (max ≈ 3.4·10³⁸),
    /// and step 1's loss was computed at the initial weights, so the rule cannot fire before step 2. At step 2 the forward
    /// pass multiplies activations of that size (layer-norm variances and attention logits ≈ 10⁶⁰, past float32's range),
    /// and the loss is NaN (as observed, and as the stored loss series shows); the rule stops the run there with status
    /// diverged, and nothing after step 2 is trained or stored.
    /// </summary>
    [Fact]
    public void FourForADivergedRunWhichIsStoredWithItsStepAndCannotBeResumed()
    {
        using var dir = new TempDirectory();
        var runDir = Path.Combine(dir.Path, "nan");
        var r = CliRunner.Run(dir.Path, [.. Tiny, "--steps", "30", "--lr", "1e30", "--weight-decay", "0", "--probe-every", "1", "--checkpoint-every", "10",
            "--out", dir.Path, "--name", "nan"]);
        Assert.True(r.ExitCode == 4, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Contains("Diverged at step 2", r.Stderr);
        AssertNoTypeName(r.Stderr);
        using (var json = JsonDocument.Parse(r.Stdout))
        {
            Assert.Equal("diverged", json.RootElement.GetProperty("status").GetString());
            Assert.Equal(2, json.RootElement.GetProperty("diverged_at").GetInt64());
            Assert.Equal(2, json.RootElement.GetProperty("steps").GetInt64());
            Assert.Contains("Diverged at step 2: the training loss at step 2 is NaN", json.RootElement.GetProperty("diagnosis").GetString());
        }
        using (var reader = RunReader.Open(runDir))
        {
            Assert.Equal("diverged", reader.Info().Status);
            var losses = reader.Series("loss");
            Assert.Equal([1L, 2L], losses.Select(x => x.Step));
            Assert.True(double.IsFinite(losses[0].Value));
            Assert.True(double.IsNaN(losses[1].Value));
            var diverged = Assert.Single(reader.Events(), e => e.Event.Kind == "diverged");
            Assert.Equal(2, diverged.Event.Step);
        }
        Assert.Null(ResumePoint.Latest(Path.Combine(runDir, "checkpoints"), out _));   // no checkpoint of the NaN weights
        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", runDir);
        Assert.Equal(2, resumed.ExitCode);
        Assert.Contains("diverged", resumed.Stderr);
    }

    /// <summary>2: bad input is named in one line and nothing is written.</summary>
    [Theory]
    [InlineData("sweep", "--shard", "3/3")]
    [InlineData("sweep", "--shard", "-1/3")]
    [InlineData("sweep", "--shard", "x")]
    public void TwoForBadInputWithNothingWritten(params string[] args)
    {
        using var dir = new TempDirectory();
        var out_ = Path.Combine(dir.Path, "out");
        var r = CliRunner.Run(dir.Path, [.. args.Select(a => a == "RUN" ? out_ : a), .. args[0] == "sweep" ? new[] { "--out", out_ } : []]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("phasescope: ", r.Stderr);
        AssertNoTypeName(r.Stderr);
        Assert.False(Directory.Exists(out_));
    }

    /// <summary>
    /// 1: the tool fails during the work. Forced cleanly: a run resumed from step 10 whose step-20 checkpoint name is
    /// taken by a directory, so the checkpoint at step 20 cannot be written (the atomic writer replaces only a regular
    /// file). The run is marked failed with the cause, the message names no exception type, and once the directory is
    /// moved away the same resume completes.
    /// </summary>
    [Fact]
    public void OneForAFailureDuringTheWorkAndTheRunStaysResumable()
    {
        using var dir = new TempDirectory();
        var runDir = Path.Combine(dir.Path, "run");
        var first = CliRunner.Run(dir.Path, [.. Tiny, "--steps", "20", "--checkpoint-every", "10", "--out", dir.Path, "--name", "run"]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        ResumeSettingsTests.MarkUnfinished(runDir);
        foreach (var f in Directory.GetFiles(Path.Combine(runDir, "checkpoints"), "step_0000020.*")) File.Delete(f);   // resume from step 10
        var blocker = Path.Combine(runDir, "checkpoints", "step_0000020.safetensors");
        Directory.CreateDirectory(blocker);

        var failed = CliRunner.Run(dir.Path, "grok", "--resume", runDir, "--json");
        Assert.True(failed.ExitCode == 1, $"exit {failed.ExitCode}: {failed.Stderr}");
        Assert.Contains("phasescope: training failed", failed.Stderr);
        AssertNoTypeName(failed.Stderr);
        using (var reader = RunReader.Open(runDir)) Assert.Equal("failed", reader.Info().Status);

        Directory.Delete(blocker);
        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", runDir, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        using (var reader = RunReader.Open(runDir)) Assert.Equal("completed", reader.Info().Status);
    }

    /// <summary>3: the machine cannot run PhaseScope. End to end this is the launcher's check (no .NET SDK on PATH);
    /// the native-runtime failures behind the same code are <see cref="PhaseScope.Runtime.PhaseScopeRuntimeException"/>s
    /// (NativeShimTests), which Program.cs maps to 3.</summary>
    [Fact]
    public void ThreeWhenTheMachineHasNoDotnet()
    {
        var launcher = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(CliRunner.CliDll)!, "..", "..", "..", "..", "..", "phasescope"));
        Assert.True(File.Exists(launcher), launcher);
        using var dir = new TempDirectory();
        var psi = new ProcessStartInfo("/bin/bash", [launcher, "runs"]) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = dir.Path };
        psi.Environment["PATH"] = dir.Path;   // nothing to run there: no dotnet
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(3, p.ExitCode);
        Assert.Contains("the .NET SDK is not on PATH", stderr.Result);
    }
}
