using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Training;

namespace PhaseScope.Tests.Cli;

/// <summary><c>--adam-eps</c> and <c>--warmup</c>: bad values are usage errors, the defaults leave a run's settings as they were.</summary>
public class WarmupEpsilonOptionTests
{
    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["grok", "--adam-eps", "0"], "--adam-eps 0: must be a number in (0, 1]" },
        { ["grok", "--adam-eps", "-1e-8"], "--adam-eps -1e-8: must be a number in (0, 1]" },
        { ["grok", "--adam-eps", "NaN"], "--adam-eps NaN: must be a number in (0, 1]" },
        { ["grok", "--adam-eps", "2"], "--adam-eps 2: must be a number in (0, 1]" },
        { ["grok", "--adam-eps", "1e-12", "--optimizer", "muon"], "--adam-eps only applies with --optimizer adamw" },
        { ["grok", "--warmup", "-1"], "--warmup -1: must be an integer" },
        { ["grok", "--warmup", "1.5"], "--warmup 1.5: must be an integer" },
        { ["grok", "--warmup", "1e12"], "--warmup 1e12: must be an integer" },
        { ["mnist", "--adam-eps", "1e-12"], "--adam-eps only applies with --optimizer adamw" },
        { ["mnist", "--warmup", "-5"], "--warmup -5: must be an integer" },
        { ["mnist", "--stability-every", "-1"], "--stability-every -1: must be an integer" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadValuesAreExitTwoWithAMessageAndNothingWritten(string[] bad, string expected)
    {
        using var tmp = new TempDirectory();
        var outDir = Path.Combine(tmp.Path, "runs");
        string[] data = bad[0] == "mnist" ? ["--mnist", tmp.Path] : [];
        CliRunner.AssertRefused(tmp.Path, outDir, [.. bad, "--steps", "5", "--out", outDir, .. data], expected);
    }

    /// <summary>settings.json as PhaseScope wrote it before the options existed, and the fingerprint stored with it in that
    /// run's config table (a modular run of /tmp/docs-runs, 2,000 steps, --cheap-only --threads 1).</summary>
    const string OldSettings = """
        {"Task":"modular","ScanSplit":"simple","ScanTrainCount":2048,"Operation":"Add","Multitask":null,"OperationName":"add","P":97,
         "TrainFraction":0.5,"DataSeed":42,"Trainer":{"Steps":2000,"BatchSize":512,"LearningRate":0.001,"Beta1":0.9,"Beta2":0.98,
         "WeightDecay":1,"GradientClip":1,"EvaluateEvery":100,"Seed":42,"CheckpointEvery":1000,"GrokThreshold":0.95,"StopAfterGrok":null},
         "Layers":2,"DModel":128,"Heads":4,"DFf":256,"Activation":null,"Threads":1,"OutDirectory":"/tmp/docs-runs","Name":"readme-cheap2000",
         "ProbeEvery":10,"Moments":false,"MomentsSnapshots":false,"TensorBoard":false,"PerTensor":true,"Report":true,"Consolidation":null,
         "ConsolidationSamples":null,"ConsolidationEvery":100,"ConsolidationSmoothing":5,"Curvature":false,"CurvatureEvery":2000,
         "LanczosIterations":20,"CurvatureBatch":null,"LanczosTolerance":0.001,"PowerIterations":0,"HutchinsonSamples":0,"TailK":100,
         "AdaptiveLr":false,"LrBands":null,"ControlAfter":0,"EarlyStop":false,"EarlyStopWindow":10,"EarlyStopCriteria":"low-p,falling-c,negative-i",
         "Spectral":false,"SpectralWindow":10,"SpectralStride":100,"SpectralTensors":"attention","SpectralSketch":null,"GapOpen":1.5,
         "GapCollapse":1.2,"SpectralDecompose":0,"WeightSpectra":false,"MonitorBudget":null,"ConsolidationByDefault":false,
         "ConsolidationMethodName":null,"ConsolidationSampleCount":8}
        """;
    const string OldFingerprint = "453e5868ed217c2635176bb9ff4d839a0b29a8bfc350f30d8616dbdf03e0aac1";

    [Fact]
    public void ASettingsFileWithoutTheNewKeysKeepsItsFingerprintAndTrainsWithTheOldDefaults()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "readme-cheap2000");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, GrokSettingsFile.FileName), OldSettings);
        var s = GrokSettingsFile.Load(dir);
        Assert.Null(s.Trainer.AdamEpsilon);
        Assert.Null(s.Trainer.WarmupSteps);
        Assert.Equal(OldFingerprint, s.Fingerprint());
        var config = s.ToConfig();
        Assert.False(config.ContainsKey("adam_eps"));
        Assert.False(config.ContainsKey("warmup"));
        // the values these settings train with: ε = 1e-8 (PyTorch's default) and no warm-up (factor 1 from step 1)
        Assert.Equal(1e-8, TrainerOptions.DefaultAdamEpsilon);
        Assert.Equal(1, LearningRateWarmup.Factor(1, s.Trainer.WarmupSteps ?? 0));
    }

    [Fact]
    public void GivingTheDefaultsExplicitlyChangesNothingAndOtherValuesAreRecorded()
    {
        using var tmp = new TempDirectory();
        string[] common = ["grok", "--steps", "5", "--out", tmp.Path, "--name", "x", "--check"];
        var plain = CliRunner.Run(tmp.Path, common);
        var defaults = CliRunner.Run(tmp.Path, [.. common, "--adam-eps", "1e-8", "--warmup", "0"]);
        var other = CliRunner.Run(tmp.Path, [.. common, "--adam-eps", "1e-12", "--warmup", "50"]);
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        Assert.Equal(plain.Stdout, defaults.Stdout);
        Assert.DoesNotContain("AdamEpsilon", plain.Stdout);
        Assert.DoesNotContain("WarmupSteps", plain.Stdout);
        Assert.Contains("\"AdamEpsilon\":1E-12", other.Stdout.Replace(" ", ""), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"WarmupSteps\":50", other.Stdout.Replace(" ", ""));
    }

    [Fact]
    public void TheWarmUpFactorIsLinearToOneAndOneAfter()
    {
        Assert.Equal(0.25, LearningRateWarmup.Factor(1, 4));
        Assert.Equal(0.75, LearningRateWarmup.Factor(3, 4));
        Assert.Equal(1, LearningRateWarmup.Factor(4, 4));
        Assert.Equal(1, LearningRateWarmup.Factor(1000, 4));
        Assert.Equal(1, LearningRateWarmup.Factor(7, 0));
    }
}
