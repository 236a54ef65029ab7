using PhaseScope.Cli.Commands.Grok;

namespace PhaseScope.Tests.Cli;

/// <summary>grok's --on-instability, --instability-lr-factor and --zclip: bad values are exit 2 with the option named and
/// nothing written; off, they leave settings.json and its fingerprint as before they existed.</summary>
public class InstabilityOptionTests
{
    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["--on-instability", "explode"], "--on-instability explode: must be one of warn, reduce-lr, skip, rollback" },
        { ["--on-instability", ""], "--on-instability : must be one of" },
        { ["--instability-lr-factor", "0.5"], "--instability-lr-factor only applies with --on-instability reduce-lr or rollback" },
        { ["--on-instability", "warn", "--instability-lr-factor", "0.5"], "only applies with --on-instability reduce-lr or rollback" },
        { ["--on-instability", "reduce-lr", "--instability-lr-factor", "1"], "--instability-lr-factor 1: must be" },
        { ["--on-instability", "reduce-lr", "--instability-lr-factor", "0"], "--instability-lr-factor 0: must be" },
        { ["--on-instability", "reduce-lr", "--instability-lr-factor", "NaN"], "--instability-lr-factor NaN: must be" },
        { ["--zclip", "0"], "--zclip 0: must be" },
        { ["--zclip", "-2.5"], "--zclip -2.5: must be" },
        { ["--zclip", "1e9"], "--zclip 1e9: must be" },
        { ["--on-instability", "rollback", "--checkpoint-every", "0"], "give --checkpoint-every N > 0" },
        { ["--on-instability", "skip", "--instability-trigger", "spike,bogus"], "--instability-trigger spike,bogus: must be a comma-separated list of spike, margin, warning" },
        { ["--on-instability", "skip", "--instability-trigger", ""], "--instability-trigger : must be a comma-separated list" },
        { ["--on-instability", "skip", "--instability-trigger", "warning"], "--instability-trigger warning reads the instability risk, which --stability computes: add --stability" },
        { ["--on-instability", "skip", "--instability-trigger", "margin", "--stability", "--stability-preconditioned-every", "0"], "--instability-trigger margin reads λ_max(P⁻¹H)" },
        { ["--instability-trigger", "spike"], "--instability-trigger only applies with --on-instability" },
        { ["--instability-quiet", "5"], "--instability-quiet only applies with --on-instability" },
        { ["--on-instability", "skip", "--instability-lr-floor", "1e-5"], "--instability-lr-floor only applies with --on-instability reduce-lr or rollback" },
        { ["--on-instability", "reduce-lr", "--lr", "1e-3", "--instability-lr-floor", "0.01"], "--instability-lr-floor 0.01: must be a rate in (0, --lr 0.001]" },
        { ["--on-instability", "reduce-lr", "--instability-lr-floor", "0"], "--instability-lr-floor" },
        { ["--on-instability", "reduce-lr", "--instability-quiet", "0"], "--instability-quiet" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadValuesAreExitTwoWithAMessageAndNothingWritten(string[] bad, string expected)
    {
        using var tmp = new TempDirectory();
        var outDir = Path.Combine(tmp.Path, "runs");
        CliRunner.AssertRefused(tmp.Path, outDir, ["grok", "--steps", "5", "--out", outDir, .. bad], expected);
    }

    /// <summary>settings.json of a --stability run written by the build before these options existed, and the fingerprint
    /// that build stored for it: read and fingerprinted now, it is unchanged (the options, off, add nothing).</summary>
    [Fact]
    public void SettingsWrittenBeforeTheOptionsKeepTheirFingerprint()
    {
        using var tmp = new TempDirectory();
        var run = Path.Combine(tmp.Path, "main-built");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, GrokSettingsFile.FileName), BeforeTheOptions);
        var s = GrokSettingsFile.Load(run);
        Assert.Null(s.Instability);
        Assert.Equal("7b8c4635c11bc8cc2f6c8adca7a50a7060a3525fcfce99b0ee252dec24b4cba2", s.Fingerprint());
    }

    /// <summary>On, they are stored, listed in the config table, and the run goes through.</summary>
    [Fact]
    public void OnTheyAreStoredAndTheRunCompletes()
    {
        using var tmp = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run(tmp.Path, "grok", "--task", "modular", "--p", "7", "--steps", "40", "--d-model", "8", "--layers", "1",
            "--heads", "1", "--d-ff", "8", "--cheap-only", "--threads", "1", "--no-report", "--json", "--out", tmp.Path, "--name", "r",
            "--on-instability", "Reduce-LR", "--instability-lr-factor", "0.25", "--zclip", "2.5", "--checkpoint-every", "20", "--probe-every", "2");
        Assert.True(code == 0, stderr);
        var s = GrokSettingsFile.Load(Path.Combine(tmp.Path, "r"));
        Assert.Equal(new InstabilitySettings("reduce-lr", 0.25, 2.5), s.Instability);
        var config = s.ToConfig();
        Assert.Equal(("reduce-lr", "0.25", "2.5"), (config["on_instability"], config["instability_lr_factor"], config["zclip"]));
        var resumed = CliRunner.Run(tmp.Path, "grok", "--resume", Path.Combine(tmp.Path, "r"), "--json");
        Assert.Equal(2, resumed.ExitCode);   // completed: nothing to resume, and said so
    }

    /// <summary>The trigger list, the floor and the quiet steps are stored (the list in canonical order, each name once) and
    /// listed; a settings.json with the action alone, as written before them, keeps its fingerprint (they are not written
    /// when absent).</summary>
    [Fact]
    public void TriggersFloorAndQuietAreStoredOnlyWhenGiven()
    {
        using var tmp = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run(tmp.Path, "grok", "--task", "modular", "--p", "7", "--steps", "12", "--d-model", "8", "--layers", "1",
            "--heads", "1", "--d-ff", "8", "--cheap-only", "--threads", "1", "--no-report", "--json", "--out", tmp.Path, "--name", "r",
            "--stability", "--stability-preconditioned-every", "4", "--on-instability", "rollback", "--instability-trigger", "Warning, spike,warning",
            "--instability-lr-floor", "1e-5", "--instability-quiet", "7", "--checkpoint-every", "4", "--probe-every", "2");
        Assert.True(code == 0, stderr);
        var s = GrokSettingsFile.Load(Path.Combine(tmp.Path, "r"));
        Assert.Equal(new InstabilitySettings("rollback", null, null) { Triggers = "spike,warning", LearningRateFloor = 1e-5, QuietSteps = 7 }, s.Instability);
        var config = s.ToConfig();
        Assert.Equal(("spike,warning", "1E-05", "7"), (config["instability_trigger"], config["instability_lr_floor"], config["instability_quiet"]));
        var json = File.ReadAllText(Path.Combine(tmp.Path, "r", GrokSettingsFile.FileName));
        Assert.Contains("\"Triggers\": \"spike,warning\"", json);

        var plain = System.Text.Json.JsonSerializer.Serialize(new InstabilitySettings("reduce-lr", null, null));
        Assert.Equal("{\"Action\":\"reduce-lr\",\"LearningRateFactor\":null,\"ZClip\":null}", plain);
    }

    const string BeforeTheOptions = @"{
  ""Task"": ""modular"",
  ""ScanSplit"": ""simple"",
  ""ScanTrainCount"": 2048,
  ""Operation"": ""Add"",
  ""Multitask"": null,
  ""OperationName"": ""add"",
  ""P"": 7,
  ""TrainFraction"": 0.5,
  ""DataSeed"": 42,
  ""Trainer"": {
    ""Steps"": 2,
    ""BatchSize"": 512,
    ""LearningRate"": 0.001,
    ""Beta1"": 0.9,
    ""Beta2"": 0.98,
    ""WeightDecay"": 1,
    ""GradientClip"": 1,
    ""EvaluateEvery"": 100,
    ""Seed"": 42,
    ""CheckpointEvery"": 1000,
    ""GrokThreshold"": 0.95,
    ""StopAfterGrok"": null
  },
  ""Layers"": 1,
  ""DModel"": 8,
  ""Heads"": 1,
  ""DFf"": 8,
  ""Activation"": null,
  ""Threads"": 1,
  ""OutDirectory"": ""/tmp/control-runs/fp"",
  ""Name"": ""main-built"",
  ""ProbeEvery"": 10,
  ""Moments"": false,
  ""MomentsSnapshots"": false,
  ""TensorBoard"": false,
  ""PerTensor"": true,
  ""Report"": false,
  ""Consolidation"": null,
  ""ConsolidationSamples"": null,
  ""ConsolidationEvery"": 100,
  ""ConsolidationSmoothing"": 5,
  ""Curvature"": false,
  ""CurvatureEvery"": 2000,
  ""LanczosIterations"": 20,
  ""CurvatureBatch"": null,
  ""StabilityEvery"": 1,
  ""StabilityPreconditionedEvery"": 100,
  ""StabilityBatch"": 64,
  ""LanczosTolerance"": 0.001,
  ""PowerIterations"": 0,
  ""HutchinsonSamples"": 0,
  ""TailK"": 100,
  ""AdaptiveLr"": false,
  ""LrBands"": null,
  ""ControlAfter"": 0,
  ""EarlyStop"": false,
  ""EarlyStopWindow"": 10,
  ""EarlyStopCriteria"": ""low-p,falling-c,negative-i"",
  ""Spectral"": false,
  ""SpectralWindow"": 10,
  ""SpectralStride"": 100,
  ""SpectralTensors"": ""attention"",
  ""SpectralSketch"": null,
  ""GapOpen"": 1.5,
  ""GapCollapse"": 1.2,
  ""SpectralDecompose"": 0,
  ""WeightSpectra"": false,
  ""MonitorBudget"": null,
  ""ConsolidationByDefault"": false,
  ""ConsolidationMethodName"": null,
  ""ConsolidationSampleCount"": 8
}";
}
