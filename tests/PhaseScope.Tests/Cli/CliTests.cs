using System.Text.Json;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Cli;

public class CliTests
{
    [Theory]
    [InlineData("unknown task", "Unknown task 'foo'", "--task", "foo")]
    [InlineData("unknown op", "Unknown modular operation 'pow'", "--op", "pow")]
    [InlineData("div non-prime", "96 is not prime", "--op", "div", "--p", "96")]
    [InlineData("fraction", "--train-fraction 1.5: must be a number in (0, 1)", "--train-fraction", "1.5")]
    [InlineData("zero steps", "--steps 0: must be an integer in 1 … 100000000", "--steps", "0")]
    [InlineData("negative steps", "--steps -5: must be an integer in 1 … 100000000", "--steps", "-5")]
    [InlineData("non-numeric steps", "abc", "--steps", "abc")]
    [InlineData("heads", "divisible by --heads", "--d-model", "100", "--heads", "3")]
    [InlineData("threads", "--threads 0: must be an integer in 1 … 4096", "--threads", "0")]
    public void BadGrokOptionsExitWith2AndWriteNothing(string caseName, string expected, params string[] args)
    {
        using var dir = new TempDirectory();
        var outDir = Path.Combine(dir.Path, "out");
        string[] steps = args.Contains("--steps") ? [] : ["--steps", "5"];
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["grok", "--out", outDir, .. steps, .. args]);
        Assert.True(code == 2, $"{caseName}: exit {code}\n{stdout}\n{stderr}");
        Assert.Contains(expected, stderr);
        Assert.False(Directory.Exists(outDir), $"{caseName}: {outDir} was created");
    }

    [Fact]
    public void UnwritableOutputDirectoriesAreRefused()
    {
        using var dir = new TempDirectory();
        var file = dir.File("a-file");
        File.WriteAllText(file, "x");
        var (code, _, stderr) = CliRunner.Run(dir.Path, "grok", "--steps", "5", "--out", Path.Combine(file, "sub"));
        Assert.Equal(2, code);
        Assert.Contains("is a file", stderr);
        // /proc refuses new files even for root.
        (code, _, stderr) = CliRunner.Run(dir.Path, "grok", "--steps", "5", "--out", "/proc/phasescope-out");
        Assert.Equal(2, code);
        Assert.Contains("cannot be written", stderr);
        Assert.False(Directory.Exists("/proc/phasescope-out"));
    }

    [Fact]
    public void MalformedCheckpointsExitWith2()
    {
        using var dir = new TempDirectory();
        var truncated = dir.File("t.safetensors");
        File.WriteAllBytes(truncated, [0x10, 0, 0, 0]);
        var (code, _, stderr) = CliRunner.Run(dir.Path, "inspect", truncated);
        Assert.Equal(2, code);
        Assert.Contains("truncated", stderr);
        var badJson = dir.File("j.safetensors");
        File.WriteAllBytes(badJson, [4, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'"', (byte)'a', (byte)'"']);
        (code, _, stderr) = CliRunner.Run(dir.Path, "inspect", badJson);
        Assert.Equal(2, code);
        Assert.Contains("not valid UTF-8 JSON", stderr);
        (code, _, stderr) = CliRunner.Run(dir.Path, "inspect", dir.File("missing.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);
    }

    /// <summary>SCAN through grok with every probe: the encoder–decoder model trains, the spectral probe finds the attention
    /// projections of both stacks (encoder self, decoder self and cross), the config records the split, a bad split is refused.</summary>
    [Fact]
    public void ScanRunsWithEveryProbeAndResumes()
    {
        using var dir = new TempDirectory();
        string[] args = ["grok", "--task", "scan", "--steps", "12", "--eval-every", "6", "--checkpoint-every", "6", "--scan-train", "64",
            "--layers", "1", "--d-model", "32", "--heads", "2", "--d-ff", "64", "--batch-size", "32", "--threads", "1", "--no-report",
            "--moments", "--spectral", "--spectral-stride", "2", "--spectral-window", "3", "--consolidation", "micro", "--consolidation-every", "6",
            "--curvature", "--curvature-every", "6", "--out", dir.Path, "--name", "scan", "--json"];
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, args);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(12, json.RootElement.GetProperty("steps").GetInt32());
        using var reader = RunReader.Open(Path.Combine(dir.Path, "scan"));
        Assert.Equal("simple", reader.Config()["scan_split"]);
        Assert.Equal("64", reader.Config()["scan_train"]);
        Assert.DoesNotContain(reader.Events(), e => e.Event.Kind == "probe_failed");
        Assert.NotEmpty(reader.Series("spectral/gap_ratio"));
        Assert.NotEmpty(reader.Series("consolidation/p"));
        Assert.NotEmpty(reader.Series("curvature/lambda_max"));

        var bad = CliRunner.Run(dir.Path, "grok", "--task", "scan", "--scan-split", "diagonal", "--out", dir.Path);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--scan-split must be simple, length or addprim_jump", bad.Stderr);
    }

    [Fact]
    public void AShortRunStoresEverythingAndTheOtherCommandsReadIt()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "grok", "--task", "dyck", "--steps", "30", "--eval-every", "10",
            "--checkpoint-every", "20", "--out", dir.Path, "--name", "short", "--json", "--threads", "1", "--tensorboard", "--moments");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var o = json.RootElement;
        Assert.Equal(30, o.GetProperty("steps").GetInt32());
        Assert.Equal(JsonValueKind.False, o.GetProperty("grokked").ValueKind);
        Assert.Equal(JsonValueKind.Null, o.GetProperty("grok_step").ValueKind);
        Assert.InRange(o.GetProperty("final_train_acc").GetDouble(), 0, 1);
        Assert.InRange(o.GetProperty("final_test_acc").GetDouble(), 0, 1);
        var runDir = o.GetProperty("run_dir").GetString()!;
        Assert.Equal(Path.Combine(dir.Path, "short"), runDir);
        Assert.Single(Directory.GetFiles(runDir, "events.out.tfevents.*"));   // in the run directory: TensorBoard names the run "short"
        // A checkpoint every 20 steps and at the end, each with its resume point (optimizer, probe state, manifest).
        Assert.Equal(new[] { 20, 30 }.SelectMany(s => new[] { $"step_{s:D7}.monitor.safetensors", $"step_{s:D7}.optimizer", $"step_{s:D7}.resume.json", $"step_{s:D7}.safetensors" }),
            Directory.GetFiles(Path.Combine(runDir, "checkpoints")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        (code, stdout, _) = CliRunner.Run(dir.Path, "runs", dir.Path);
        Assert.Equal(0, code);
        Assert.Contains("short", stdout);
        Assert.Contains("completed", stdout);

        (code, stdout, _) = CliRunner.Run(dir.Path, "inspect", Path.Combine(runDir, "checkpoints", "step_0000030.safetensors"));
        Assert.Equal(0, code);
        Assert.Contains("layers.0.attn.q_proj.weight", stdout);

        (code, _, stderr) = CliRunner.Run(dir.Path, "export", runDir, "--csv");
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(Path.Combine(runDir, "metrics.csv"));
        Assert.Equal("run,fingerprint,step,name,value,wall_time", lines[0]);
        using (var store = RunReader.Open(runDir))   // every row names the run and the settings it ran with
            Assert.All(lines.Skip(1), l => Assert.StartsWith($"short,{store.Config()["settings_sha256"]},", l));
        Assert.Contains(lines, l => l.Contains(",30,eval/test_acc,"));
        Assert.Contains(lines, l => l.Contains(",1,moments/m_cap,"));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(runDir, "metrics.csv")).Count(l => l.Contains(",eval/train_acc,")));
    }

    [Fact]
    public void ADivergedRunStopsWithNullLossesAndKeepsNaNInTheStore()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "grok", "--p", "11", "--steps", "30", "--eval-every", "10", "--lr", "1e30", "--weight-decay", "0",   // lr·wd ≥ 1 is refused
            "--d-model", "16", "--heads", "2", "--d-ff", "32", "--layers", "1", "--out", dir.Path, "--name", "diverged", "--json", "--threads", "1", "--probe-every", "1");
        Assert.True(code == 4, stderr);   // ExitCodes.Diverged: every family on, the trainer stops at the first NaN loss
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("diverged", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("final_train_loss").ValueKind);
        using var run = PhaseScope.Reporting.Store.RunReader.Open(Path.Combine(dir.Path, "diverged"));
        Assert.Contains(run.Series("loss"), p => !double.IsFinite(p.Value));
    }
}
