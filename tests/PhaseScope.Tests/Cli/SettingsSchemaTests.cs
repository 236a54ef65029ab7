using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PhaseScope.Cli.Commands;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Reporting.Store;
using PhaseScope.Tests.Reliability;
using PhaseScope.Training;

namespace PhaseScope.Tests.Cli;

/// <summary>
/// settings.json's schema 2 (nested by module) is written; schema 1 (flat) files of runs already on disk are read through
/// the migrator and keep their fingerprints, so they still resume; an unknown schema is refused.
/// </summary>
public class SettingsSchemaTests
{
    /// <summary>settings.json as the build of b6972ef (schema 1) wrote it for a 60-step modular run with --stability and
    /// --llc 30 --llc-draws 5, and the fingerprint that build stored in the run's config table.</summary>
    const string SchemaOne = """
        {"Task":"modular","ScanSplit":"simple","ScanTrainCount":2048,"Operation":"Add","Multitask":null,"OperationName":"add","P":23,
         "TrainFraction":0.5,"DataSeed":42,"Trainer":{"Steps":60,"BatchSize":64,"LearningRate":0.001,"Beta1":0.9,"Beta2":0.98,"WeightDecay":1,
         "GradientClip":1,"EvaluateEvery":100,"Seed":42,"CheckpointEvery":30,"GrokThreshold":0.95,"StopAfterGrok":null},"Layers":1,"DModel":32,
         "Heads":2,"DFf":64,"Activation":null,"Threads":1,"OutDirectory":"t0","Name":"run","ProbeEvery":10,"Moments":false,"MomentsSnapshots":false,
         "TensorBoard":false,"PerTensor":true,"Report":false,"Consolidation":null,"ConsolidationSamples":null,"ConsolidationEvery":100,
         "ConsolidationSmoothing":5,"Curvature":false,"CurvatureEvery":2000,"LanczosIterations":20,"CurvatureBatch":null,"StabilityEvery":1,
         "StabilityPreconditionedEvery":100,"StabilityBatch":64,"LanczosTolerance":0.001,"PowerIterations":0,"HutchinsonSamples":0,"TailK":100,
         "AdaptiveLr":false,"LrBands":null,"ControlAfter":0,"EarlyStop":false,"EarlyStopWindow":10,"EarlyStopCriteria":"low-p,falling-c,negative-i",
         "Spectral":false,"SpectralWindow":10,"SpectralStride":100,"SpectralTensors":"attention","SpectralSketch":null,"GapOpen":1.5,
         "GapCollapse":1.2,"SpectralDecompose":0,"WeightSpectra":false,"MonitorBudget":null,
         "Llc":{"Every":30,"StepSize":3E-06,"Localization":30000,"Batch":64,"Chains":2,"Draws":5,"BurnIn":100},
         "ConsolidationByDefault":false,"ConsolidationMethodName":null,"ConsolidationSampleCount":8}
        """;
    const string SchemaOneFingerprint = "47a07e28163b6af8b93212b8fb0988e310a24d32926502396df5f2b2cf306e91";

    /// <summary>The fingerprint as GrokSettingsFile.Fingerprint documents it, computed here from the schema-1 text alone:
    /// SHA-256 of the flat settings, indented, with the output directory, the name and the thread count left out.</summary>
    static string CanonicalFingerprint(string schemaOne)
    {
        var flat = JsonNode.Parse(schemaOne)!.AsObject();
        (flat["OutDirectory"], flat["Name"], flat["Threads"]) = ("", null, null);
        var canonical = flat.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    static string RunWith(TempDirectory dir, string settingsJson)
    {
        var run = Path.Combine(dir.Path, "run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, GrokSettingsFile.FileName), settingsJson);
        return run;
    }

    /// <summary>The schema-1 text of a v2 file, gathered here without the migrator: every section's properties flat, the
    /// object sections under their property's name.</summary>
    static JsonObject AsSchemaOne(JsonObject v2)
    {
        var objects = new Dictionary<string, string> { ["trainer"] = "Trainer", ["llc"] = "Llc", ["instability"] = "Instability" };
        var flat = new JsonObject();
        foreach (var (name, value) in v2)
        {
            if (name == "schema") continue;
            if (objects.TryGetValue(name, out var property)) flat[property] = value!.DeepClone();
            else foreach (var (key, v) in value!.AsObject()) flat[key] = v?.DeepClone();
        }
        return flat;
    }

    [Fact]
    public void ASchemaOneFileMigratesToSchemaTwoWithItsFingerprint()
    {
        Assert.Equal(SchemaOneFingerprint, CanonicalFingerprint(SchemaOne));
        using var dir = new TempDirectory();
        var run = RunWith(dir, SchemaOne);
        var fromOne = GrokSettingsFile.Load(run);
        Assert.Equal(SchemaOneFingerprint, fromOne.Fingerprint());
        Assert.Equal(new LlcSettings(30, Draws: 5), fromOne.Llc);

        fromOne.Save(run);
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(run, GrokSettingsFile.FileName)))!.AsObject();
        Assert.Equal(2, written["schema"]!.GetValue<int>());
        Assert.Equal(["schema", "task", "model", "trainer", "run", "moments", "llc", "spectral", "curvature", "consolidation", "stability"],
            written.Select(kv => kv.Key));
        Assert.Equal(23, written["task"]!["P"]!.GetValue<int>());
        Assert.Equal(30, written["trainer"]!["CheckpointEvery"]!.GetValue<int>());
        Assert.Equal(5, written["llc"]!["Draws"]!.GetValue<int>());
        Assert.Equal(100, written["stability"]!["StabilityPreconditionedEvery"]!.GetValue<int>());
        Assert.Equal(1, written["run"]!["Threads"]!.GetValue<int>());
        Assert.Null(written["P"]);   // nothing left flat

        var fromTwo = GrokSettingsFile.Load(run);
        Assert.Equal(fromOne, fromTwo);
        Assert.Equal(SchemaOneFingerprint, fromTwo.Fingerprint());   // from the record, in its declaration order, whatever the file's order
    }

    [Fact]
    public void ASchemaTwoFileRoundTrips()
    {
        var s = new GrokSettings
        {
            Task = "modular", P = 31, TrainFraction = 0.3, DataSeed = 5, OutDirectory = "runs", Name = "x", Threads = 2, Layers = 1, DModel = 16, Heads = 2, DFf = 32,
            Trainer = new TrainerOptions { Steps = 70, Seed = 9, AdamEpsilon = 1e-6, WarmupSteps = 7, Float64Softmax = true },
            Spectral = true, SpectralWindow = 4, Curvature = true, CurvatureTrack = 3, Consolidation = "batches", ConsolidationSamples = 6, AdaptiveLr = true,
            StabilityEvery = 2, StabilityPreconditionedEvery = 0, StabilityBatch = 16, Llc = new LlcSettings(40, Chains: 3),
            Instability = new InstabilitySettings("reduce-lr", 0.25, 2.5), Forecast = "off", MonitorBudget = 0.05,
        };
        using var dir = new TempDirectory();
        var run = Path.Combine(dir.Path, "x");
        Directory.CreateDirectory(run);
        s.Save(run);
        var first = File.ReadAllText(Path.Combine(run, GrokSettingsFile.FileName));
        var loaded = GrokSettingsFile.Load(run);
        Assert.Equal(s with { OutDirectory = dir.Path }, loaded);
        Assert.Equal(s.Fingerprint(), loaded.Fingerprint());
        Assert.Equal(s.ToConfig(), loaded.ToConfig());
        loaded.Save(run);
        Assert.Equal(first.Replace("\"runs\"", JsonSerializer.Serialize(dir.Path), StringComparison.Ordinal), File.ReadAllText(Path.Combine(run, GrokSettingsFile.FileName)));
        var json = JsonNode.Parse(first)!;
        Assert.Equal("reduce-lr", json["instability"]!["Action"]!.GetValue<string>());
        Assert.True(json["trainer"]!["Float64Softmax"]!.GetValue<bool>());
        Assert.Equal("off", json["run"]!["Forecast"]!.GetValue<string>());
        Assert.Equal(3, json["curvature"]!["CurvatureTrack"]!.GetValue<int>());
    }

    /// <summary>Every property grok stores is claimed by exactly one section, and only the run's own settings are left to
    /// the <c>run</c> section: a new setting must be placed in its module's section (a failure here names it).</summary>
    [Fact]
    public void EveryStoredPropertyHasOneSection()
    {
        var claimed = GrokSettingsSchema.Sections.SelectMany(s => s.Properties).ToList();
        Assert.Equal(claimed.Count, claimed.Distinct().Count());
        var properties = typeof(GrokSettings).GetProperties().Select(p => p.Name).ToHashSet();
        Assert.All(claimed, p => Assert.Contains(p, properties));
        Assert.Equal(GrokSettingsSchema.Sections.Select(s => s.Name).Distinct().Count(), GrokSettingsSchema.Sections.Count);
        string[] runsOwn = ["Threads", "OutDirectory", "Name", "ProbeEvery", "TensorBoard", "PerTensor", "Report", "MonitorBudget", "Forecast"];
        Assert.Equal(runsOwn.Order(), properties.Except(claimed).Order());
    }

    [Theory]
    [InlineData("""{"schema": 3, "task": {"Task": "modular"}}""", "settings schema 3 is not one this PhaseScope reads")]
    [InlineData("""{"schema": "two"}""", "settings schema \"two\" is not one this PhaseScope reads")]
    [InlineData("""{"schema": 2, "tasks": {"Task": "modular"}}""", "'tasks' is not a section of settings schema 2")]
    [InlineData("""{"schema": 2, "task": {"P": 7}, "model": {"P": 7}}""", "'P' is given twice")]
    [InlineData("""{"schema": 2, "model": 7}""", "section 'model' must be an object")]
    public void AnUnknownSchemaOrLayoutIsRefused(string settings, string expected)
    {
        using var dir = new TempDirectory();
        var run = RunWith(dir, settings);
        var e = Assert.Throws<PhaseScope.Cli.UsageException>(() => GrokSettingsFile.Load(run));
        Assert.Contains(expected, e.Message);
    }

    static readonly string[] Small = ["grok", "--task", "modular", "--p", "23", "--steps", "60", "--batch-size", "64", "--checkpoint-every", "30",
        "--d-model", "32", "--heads", "2", "--d-ff", "64", "--layers", "1", "--threads", "1", "--cheap-only", "--no-report", "--json"];

    /// <summary>A run whose settings.json is schema 1 (as runs on disk before schema 2 have it) resumes from its resume point
    /// with no settings change recorded, and ends as the uninterrupted run; a schema this build does not know is refused
    /// with exit code 2 and nothing written.</summary>
    [Fact]
    public void ARunWithSchemaOneSettingsResumesAndAnUnknownSchemaIsRefused()
    {
        using var dir = new TempDirectory();
        var reference = CliRunner.Run(dir.Path, [.. Small, "--out", dir.Path, "--name", "run"]);
        Assert.True(reference.ExitCode == 0, reference.Stderr);
        var run = Path.Combine(dir.Path, "run");
        var path = Path.Combine(run, GrokSettingsFile.FileName);
        var v2 = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(2, v2["schema"]!.GetValue<int>());
        File.WriteAllText(path, AsSchemaOne(v2).ToJsonString());
        ResumeSettingsTests.MarkUnfinished(run);
        File.Delete(Path.Combine(run, "checkpoints", "step_0000060.resume.json"));   // the last resume point is now step 30

        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", run, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        using (var reader = RunReader.Open(run))
        {
            Assert.DoesNotContain(reader.Events(), e => e.Event.Kind == "settings_changed");
            Assert.Equal(60, reader.Series("eval/test_acc")[^1].Step);
        }
        ResumeTests.AssertSameOutcome(JsonDocument.Parse(reference.Stdout).RootElement, JsonDocument.Parse(resumed.Stdout).RootElement);

        ResumeSettingsTests.MarkUnfinished(run);
        File.WriteAllText(path, """{"schema": 3, "task": {"Task": "modular"}}""");
        var before = Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var refused = CliRunner.Run(dir.Path, "grok", "--resume", run, "--json");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("settings schema 3 is not one this PhaseScope reads", refused.Stderr);
        Assert.DoesNotContain("   at ", refused.Stderr);
        Assert.DoesNotContain("Exception", refused.Stderr);
        Assert.Equal(before, Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }
}
