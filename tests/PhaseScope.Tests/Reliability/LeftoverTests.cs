using PhaseScope.Cli;
using PhaseScope.Cli.Commands.TrainingRun;
using PhaseScope.Reporting.Store;
using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// A command that fails part way leaves the file system as it found it, or a run clearly marked as failed: a run that
/// never completed a step is removed, a sweep none of whose runs started leaves no directory, an export or verdict that
/// fails before all its files are complete changes nothing in its folder.
/// </summary>
public class LeftoverTests
{
    [Fact]
    public void AForgetRunTooLargeToAllocateIsRefusedAndLeavesNoDirectory()
    {
        using var dir = new TempDirectory();
        PhaseScope.Tests.Cli.ForgetCommandTests.WriteSyntheticMnist(dir.Path);
        var outDir = Path.Combine(dir.Path, "runs");   // absent: created with the run, removed with it
        // 784 × 2·10⁹ float32 weights (6.3 TB): the option's cap (65,536 units) refuses it before anything is created
        var (code, _, stderr) = OutputGuardTests.RunOrFail(dir.Path, 300, "forget", "--mnist", dir.Path, "--hidden", "2000000000", "--epochs", "1",
            "--out", outDir, "--name", "big");
        Assert.Equal(2, code);
        Assert.Contains("--hidden 2000000000: must be", stderr);
        Assert.False(Directory.Exists(outDir), "the run directory (or the --out it created) of a run that never started was left behind");
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void AFreshRunIsRemovedBeforeItsFirstStepAndKeptAfter()
    {
        using var tmp = new TempDirectory();
        var early = Path.Combine(tmp.Path, "new-out", "sub", "early");   // --out new-out/sub did not exist either
        var createdRoot = FreshRun.TopMissing(early);
        Assert.Equal(Path.Combine(tmp.Path, "new-out"), createdRoot);
        var store = RunStore.Create(early, "early", "grok", new Dictionary<string, string>());
        store.Write(new MonitorEvent(0, "k", "s", "written before the failure"));
        Assert.True(new FreshRun(early, store, createdRoot).RemoveUnlessStarted());
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));   // the folders the run's creation made are gone too
        store.Dispose();   // a second dispose after the removal is harmless

        var late = Path.Combine(tmp.Path, "late");
        using var kept = RunStore.Create(late, "late", "grok", new Dictionary<string, string>());
        var fresh = new FreshRun(late, kept, FreshRun.TopMissing(late));
        fresh.StepCompleted(1);
        Assert.False(fresh.RemoveUnlessStarted());
        Assert.True(File.Exists(Path.Combine(late, "run.db")));
    }

    [Fact]
    public void ASweepNoneOfWhoseRunsStartsLeavesNoDirectory()
    {
        using var tmp = new TempDirectory();
        var sweep = Path.Combine(tmp.Path, "sweep");
        // parses (so the sweep starts) but every grok child refuses it (exit 2: the model would need GB) before training
        var (code, _, stderr) = OutputGuardTests.RunOrFail(tmp.Path, 300, "sweep", "--steps", "5", "--seeds", "1", "--weight-decay", "1", "--ops", "add",
            "--grok-args", "--d-model 60000", "--out", sweep);
        Assert.NotEqual(0, code);
        Assert.Contains("was removed", stderr);
        Assert.False(Directory.Exists(sweep), "the sweep directory was left behind");
    }

    [Fact]
    public void StagedFilesAppearTogetherOrNotAtAll()
    {
        using var tmp = new TempDirectory();
        var created = Path.Combine(tmp.Path, "new");
        using (var s = new StagedOutput(created))
            File.WriteAllText(Path.Combine(s.Folder, "a.csv"), "half");   // the command fails here: no commit
        Assert.False(Directory.Exists(created), "a folder the failed command created was left behind");

        var existing = Path.Combine(tmp.Path, "old");
        Directory.CreateDirectory(existing);
        File.WriteAllText(Path.Combine(existing, "a.csv"), "earlier");
        using (var s = new StagedOutput(existing))
            File.WriteAllText(Path.Combine(s.Folder, "a.csv"), "half");
        Assert.Equal(["a.csv"], Directory.GetFileSystemEntries(existing).Select(Path.GetFileName));
        Assert.Equal("earlier", File.ReadAllText(Path.Combine(existing, "a.csv")));

        using (var s = new StagedOutput(existing))
        {
            File.WriteAllText(Path.Combine(s.Folder, "a.csv"), "new a");
            File.WriteAllText(Path.Combine(s.Folder, "REPORT.md"), "names a and b");
            File.WriteAllText(Path.Combine(s.Folder, "b.csv"), "new b");
            Assert.Equal([Path.Combine(existing, "a.csv"), Path.Combine(existing, "b.csv"), Path.Combine(existing, "REPORT.md")],
                s.Commit(last: "REPORT.md"));
        }
        Assert.Equal(["REPORT.md", "a.csv", "b.csv"], Directory.GetFileSystemEntries(existing).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("new a", File.ReadAllText(Path.Combine(existing, "a.csv")));
    }
}
