using System.Diagnostics;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// Issue 24 item 1: two <c>grok --resume</c> of one run at once both exited 0 and wrote every metric twice. A run
/// directory now has one writer (an OS file lock, <see cref="RunLock"/>); a second gets exit 2 and a clear message, and
/// the lock dies with its process (a SIGKILLed run is resumable at once).
/// </summary>
public class RunLockTests
{
    [Fact]
    public void ASecondWriterIsRefusedUntilTheFirstLetsGo()
    {
        using var tmp = new TempDirectory();
        var dir = Path.Combine(tmp.Path, "r");
        using (var first = RunStore.Create(dir, "r", "grok", new Dictionary<string, string>()))
        {
            first.Write([new MetricRecord(1, "loss", 1)]);
            var e = Assert.Throws<RunStoreException>(() => RunStore.Resume(dir, 0));
            Assert.Contains("being written by another process", e.Message);
        }
        using var second = RunStore.Resume(dir, 0);   // released with the first store
        second.Write([new MetricRecord(1, "loss", 2)]);
    }

    [Fact]
    public void ResumingARunThatAnotherProcessIsResumingExitsWithTwo()
    {
        using var tmp = new TempDirectory();
        string[] args = ["grok", "--task", "modular", "--p", "23", "--steps", "100000", "--batch-size", "64", "--checkpoint-every", "20",
            "--d-model", "16", "--heads", "2", "--d-ff", "32", "--layers", "1", "--threads", "1", "--cheap-only", "--no-report", "--json"];
        var run = Path.Combine(tmp.Path, "run");
        var points = Path.Combine(run, "checkpoints");
        int Points() => Directory.Exists(points) ? Directory.GetFiles(points, "*.resume.json").Length : 0;
        void WaitFor(Func<bool> done, Process child)
        {
            var watch = Stopwatch.StartNew();
            while (!done() && !child.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(20);
            if (child.HasExited) Assert.Fail($"the child exited early: {child.StandardError.ReadToEnd()}");   // read only then: ReadToEnd waits for the exit
        }

        using (var started = CliRunner.Start(tmp.Path, [.. args, "--out", tmp.Path, "--name", "run"]))
        {
            WaitFor(() => Points() >= 1, started);
            started.Kill(entireProcessTree: true);   // SIGKILL: no cleanup, the OS drops the lock
            started.WaitForExit();
        }
        using var resumed = CliRunner.Start(tmp.Path, "grok", "--resume", run, "--json");
        try
        {
            int before = Points();
            WaitFor(() => Points() > before, resumed);   // the first resume is writing
            var second = CliRunner.Run(tmp.Path, "grok", "--resume", run, "--json");
            Assert.Equal(2, second.ExitCode);
            Assert.Contains("being written by another process", second.Stderr);
            Assert.DoesNotContain("   at ", second.Stderr);
        }
        finally
        {
            if (!resumed.HasExited) resumed.Kill(entireProcessTree: true);
            resumed.WaitForExit();
        }
        // the store holds each step once
        using var reader = RunReader.Open(run);
        var steps = reader.Series("loss").Select(p => p.Step).ToList();
        Assert.Equal(steps.Count, steps.Distinct().Count());
    }
}
