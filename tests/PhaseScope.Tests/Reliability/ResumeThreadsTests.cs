using System.Text.Json.Nodes;
using PhaseScope.Reporting.Store;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Training;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// A run keeps the thread count it computed with: stored in settings.json and the config table (also when it was
/// started without --threads), used again by <c>grok --resume</c> on any machine that has that many cores. Fewer cores,
/// or --threads forcing another count, is said on stderr and recorded as a <c>settings_changed</c> event, since the results
/// then differ from an uninterrupted run's. The fingerprint of settings written before the count was stored is unchanged.
/// </summary>
public class ResumeThreadsTests
{
    static readonly string[] Small = ["grok", "--task", "modular", "--p", "23", "--steps", "60", "--batch-size", "64", "--checkpoint-every", "30",
        "--d-model", "32", "--heads", "2", "--d-ff", "64", "--layers", "1", "--cheap-only", "--no-report", "--json"];

    /// <summary>A run of 60 steps made resumable from its step-30 point (as if killed between 30 and 60).</summary>
    static string Resumable(TempDirectory dir, params string[] extra)
    {
        var r = CliRunner.Run(dir.Path, [.. Small, .. extra, "--out", dir.Path, "--name", "run"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var run = Path.Combine(dir.Path, "run");
        ResumeSettingsTests.MarkUnfinished(run);
        foreach (var f in Directory.GetFiles(Path.Combine(run, "checkpoints"), "step_0000060.*")) File.Delete(f);
        return run;
    }

    static int? StoredThreads(string run) => JsonNode.Parse(File.ReadAllText(Path.Combine(run, "settings.json")))!["run"]!["Threads"]?.GetValue<int>();

    static (string Resumed, List<string> Changed) Events(string run)
    {
        using var reader = RunReader.Open(run);
        var events = reader.Events().Select(e => e.Event).ToList();
        return (events.Single(e => e.Kind == "resumed").Message, events.Where(e => e.Kind == "settings_changed").Select(e => e.Message).ToList());
    }

    [Fact]
    public void ARunStartedWithoutThreadsStoresTheCountItUsedAndResumesWithIt()
    {
        using var dir = new TempDirectory();
        var run = Resumable(dir);
        int cores = Environment.ProcessorCount;
        Assert.Equal(cores, StoredThreads(run));
        using (var reader = RunReader.Open(run)) Assert.Equal(cores.ToString(), reader.Config()["threads"]);
        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", run, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        var (message, changed) = Events(run);
        Assert.Contains($"; {cores} thread(s))", message);
        Assert.Empty(changed);
    }

    /// <summary>settings.json written before the count was stored there has Threads null (started without --threads):
    /// the config table's count is used, the fingerprint matches, and nothing is recorded as changed.</summary>
    [Fact]
    public void SettingsWrittenBeforeTheCountWasStoredResumeWithTheConfigTablesCount()
    {
        using var dir = new TempDirectory();
        var run = Resumable(dir, "--threads", "1");
        ResumeSettingsTests.Edit(run, j => j["run"]!["Threads"] = null);
        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", run, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        var (message, changed) = Events(run);
        Assert.Contains("; 1 thread(s))", message);
        Assert.Empty(changed);
        Assert.DoesNotContain("differ", resumed.Stderr);
    }

    /// <summary>The thread count is not part of the fingerprint: the settings of a run on disk (any count, or none stored)
    /// keep theirs.</summary>
    [Fact]
    public void TheThreadCountLeavesTheFingerprintAsItWas()
    {
        var s = new GrokSettings { Task = "modular", Trainer = new TrainerOptions(), OutDirectory = "runs", P = 97 };
        Assert.Equal(s.Fingerprint(), (s with { Threads = 2 }).Fingerprint());
        Assert.Equal(s.Fingerprint(), (s with { Threads = 64 }).Fingerprint());
    }

    /// <summary>A run moved from a machine with more cores than this one: resumed with this machine's count, said on
    /// stderr and recorded, and settings.json then holds the count the run continues with.</summary>
    [Fact]
    public void FewerCoresResumeWithWhatThereIsAndRecordThatResultsDiffer()
    {
        using var dir = new TempDirectory();
        var run = Resumable(dir, "--threads", "1");
        int cores = Environment.ProcessorCount;
        ResumeSettingsTests.Edit(run, j => j["run"]!["Threads"] = cores + 1);
        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", run, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"threads {cores + 1} → {cores} on resume", resumed.Stderr);
        Assert.Contains("will differ from an uninterrupted run", resumed.Stderr);
        var (message, changed) = Events(run);
        Assert.Contains($"; {cores} thread(s))", message);
        Assert.Contains($"threads {cores + 1} → {cores} on resume", Assert.Single(changed));
        Assert.Equal(cores, StoredThreads(run));
    }

    [Fact]
    public void AForcedThreadCountIsRecorded()
    {
        using var dir = new TempDirectory();
        var run = Resumable(dir, "--threads", "1");
        ResumeSettingsTests.Edit(run, j => j["run"]!["Threads"] = Environment.ProcessorCount + 1);
        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", run, "--threads", "1", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        var (message, changed) = Events(run);
        Assert.Contains("; 1 thread(s))", message);
        Assert.Contains($"threads {Environment.ProcessorCount + 1} → 1 on resume (--threads 1)", Assert.Single(changed));
        Assert.Equal(1, StoredThreads(run));

        var tooMany = CliRunner.Run(dir.Path, "grok", "--resume", run, "--threads", (Environment.ProcessorCount + 1).ToString());
        Assert.Equal(2, tooMany.ExitCode);
        Assert.Contains("--threads", tooMany.Stderr);
    }
}
