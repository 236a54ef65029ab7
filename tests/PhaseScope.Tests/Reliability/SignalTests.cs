using System.Text.Json;
using PhaseScope.Reporting.Store;
using PhaseScope.Training.Resume;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// SIGTERM (kill, timeout, Slurm, Kubernetes) and SIGINT stop a run after a whole step: the store is flushed, a resume
/// point is written at that step, the run is marked <c>interrupted</c>, and the exit code is 128 + the signal (143, 130).
/// <c>grok --resume</c> then ends exactly as the uninterrupted run of the same seed: the reference is an independent
/// uninterrupted process, not the resumed code path.
/// </summary>
public class SignalTests
{
    [Fact]
    public void SigtermMarksTheRunInterruptedExits143AndTheResumedRunEndsAsTheUninterruptedOne()
    {
        using var dir = new TempDirectory();
        var reference = CliRunner.Run(dir.Path, [.. ResumeTests.Args(300), "--out", dir.Path, "--name", "reference"]);
        Assert.True(reference.ExitCode == 0, reference.Stderr);

        var runDir = Path.Combine(dir.Path, "stopped");
        var stopped = StopSignal.AfterResumePoints(CliRunner.Start(dir.Path, [.. ResumeTests.Args(300), "--out", dir.Path, "--name", "stopped"]), runDir, "TERM");
        Assert.True(stopped.ExitCode == 143, $"exit {stopped.ExitCode}: {stopped.Stderr}");
        Assert.Contains("stopped by SIGTERM", stopped.Stderr);
        long at;
        using (var reader = RunReader.Open(runDir))
        {
            Assert.Equal("ok", reader.IntegrityCheck());
            Assert.Equal("interrupted", reader.Info().Status);
            using var summary = JsonDocument.Parse(reader.Info().SummaryJson!);
            Assert.Equal("SIGTERM", summary.RootElement.GetProperty("signal").GetString());
            at = summary.RootElement.GetProperty("steps").GetInt64();
        }
        Assert.InRange(at, 30, 299);   // stopped after the first periodic resume point, before the end
        Assert.Equal(at, ResumePoint.Latest(Path.Combine(runDir, "checkpoints"), out _)!.Step);   // and wrote one where it stopped

        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", runDir, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        using var a = JsonDocument.Parse(reference.Stdout);
        using var b = JsonDocument.Parse(resumed.Stdout);
        ResumeTests.AssertSameOutcome(a.RootElement, b.RootElement);

        var (refMetrics, refEvents) = ResumeTests.Contents(Path.Combine(dir.Path, "reference"));
        var (gotMetrics, gotEvents) = ResumeTests.Contents(runDir);
        Assert.True(refMetrics.Count > 1000, $"only {refMetrics.Count} reference metrics");
        Assert.Equal(refMetrics.Count, gotMetrics.Count);
        var differing = refMetrics.Where(kv => !gotMetrics.TryGetValue(kv.Key, out var v) || !ResumeTests.SameValue(v, kv.Value)).Select(kv => kv.Key).Take(5).ToList();
        Assert.True(differing.Count == 0, "metrics differ: " + string.Join(", ", differing));
        Assert.Equal(refEvents, gotEvents.Where(e => !e.StartsWith("resumed", StringComparison.Ordinal)).ToList());
        var final = ResumePoint.ModelFileName(300);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Path, "reference", "checkpoints", final)), File.ReadAllBytes(Path.Combine(runDir, "checkpoints", final)));
    }

    [Fact]
    public void SigintMarksTheRunInterruptedAndExits130()
    {
        using var dir = new TempDirectory();
        var runDir = Path.Combine(dir.Path, "stopped");
        var stopped = StopSignal.AfterResumePoints(CliRunner.Start(dir.Path, [.. ResumeTests.Args(100_000, probes: false), "--out", dir.Path, "--name", "stopped"]), runDir, "INT");
        Assert.True(stopped.ExitCode == 130, $"exit {stopped.ExitCode}: {stopped.Stderr}");
        using var reader = RunReader.Open(runDir);
        Assert.Equal("interrupted", reader.Info().Status);
        using var summary = JsonDocument.Parse(reader.Info().SummaryJson!);
        Assert.Equal("SIGINT", summary.RootElement.GetProperty("signal").GetString());
    }

    static string[] Sweep(string dir, int steps, string grokArgs = "") =>
    [
        "sweep", "--task", "modular", "--ops", "add", "--seeds", "1,2", "--weight-decay", "1.0", "--steps", steps.ToString(), "--out", dir,
        "--grok-args", "--p 23 --d-model 32 --heads 2 --d-ff 64 --layers 1 --threads 1 --batch-size 64 --checkpoint-every 20 --eval-every 20 --no-report --spectral-stride 10 --curvature-every 20 " + grokArgs,
    ];

    /// <summary>SIGTERM to the sweep alone (as Kubernetes sends it to the container's first process) reaches the child
    /// that is training: the child stores its run as interrupted, the sweep exits 143, and the next invocation resumes
    /// that run and runs the cell that had not started.</summary>
    [Fact]
    public void SigtermToASweepInterruptsItsChildAndTheNextInvocationResumes()
    {
        using var dir = new TempDirectory();
        var sweep = Path.Combine(dir.Path, "sweep");
        var first = Path.Combine(sweep, "modular-add-s1-wd1");
        var stopped = StopSignal.AfterResumePoints(CliRunner.Start(dir.Path, Sweep(sweep, 400)), first, "TERM");
        Assert.True(stopped.ExitCode == 143, $"exit {stopped.ExitCode}: {stopped.Stdout}{stopped.Stderr}");
        using (var reader = RunReader.Open(first)) Assert.Equal("interrupted", reader.Info().Status);
        Assert.False(Directory.Exists(Path.Combine(sweep, "modular-add-s2-wd1")));

        var again = CliRunner.Run(dir.Path, Sweep(sweep, 400));
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Contains("modular-add-s1-wd1: resuming", again.Stdout);
        Assert.Contains("modular-add-s2-wd1: starting", again.Stdout);
        foreach (var run in new[] { "modular-add-s1-wd1", "modular-add-s2-wd1" })
        {
            using var reader = RunReader.Open(Path.Combine(sweep, run));
            Assert.Equal("completed", reader.Info().Status);
            Assert.Equal(400, reader.Series("eval/test_acc")[^1].Step);
        }
    }

    /// <summary>A diverged cell is a finished run with that outcome: the sweep exits 0 and the next invocation skips it.</summary>
    [Fact]
    public void ADivergedSweepCellIsFinishedNotRetried()
    {
        using var dir = new TempDirectory();
        var sweep = Path.Combine(dir.Path, "sweep");
        string[] args = ["sweep", "--task", "modular", "--ops", "add", "--seeds", "1", "--weight-decay", "0", "--steps", "20", "--out", sweep,
            "--grok-args", "--p 7 --d-model 8 --heads 2 --d-ff 16 --layers 1 --threads 1 --batch-size 8 --eval-every 10 --no-report --lr 1e30 --spectral-stride 5 --spectral-window 3 --curvature-every 10"];
        var r = CliRunner.Run(dir.Path, args);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("modular-add-s1-wd0: diverged", r.Stdout);
        using (var reader = RunReader.Open(Path.Combine(sweep, "modular-add-s1-wd0"))) Assert.Equal("diverged", reader.Info().Status);
        var again = CliRunner.Run(dir.Path, args);
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Contains("modular-add-s1-wd0: already diverged, skipped", again.Stdout);
    }
}
