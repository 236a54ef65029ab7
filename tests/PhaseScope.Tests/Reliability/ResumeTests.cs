using System.Diagnostics;
using System.Text.Json;
using PhaseScope.Reporting.Store;
using PhaseScope.Training.Resume;

using PhaseScope.Tests.Reporting;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// Issue 8: a run killed with SIGKILL at random points and continued with <c>grok --resume</c> ends exactly as the
/// uninterrupted run with the same seed: the same final metrics, every stored metric and event equal, the same final
/// checkpoint bytes. The reference is an independent uninterrupted process, not the resumed code path.
/// </summary>
public class ResumeTests
{
    /// <summary>A small modular run (mini-batches, so the batch order matters) with every resumable probe attached.</summary>
    internal static string[] Args(int steps, bool probes = true, bool controllers = false) =>
    [
        "grok", "--task", "modular", "--p", "23", "--steps", steps.ToString(), "--batch-size", "64", "--eval-every", "20", "--checkpoint-every", "30",
        "--d-model", "32", "--heads", "2", "--d-ff", "64", "--layers", "1", "--threads", "1", "--probe-every", "3", "--no-report", "--json", "--tensorboard",
        .. probes
            ? new[] { "--spectral", "--spectral-stride", "7", "--spectral-window", "4", "--spectral-tensors", "all", "--moments",
                "--consolidation", "micro", "--consolidation-every", "5", "--p-smoothing", "2" }
            : [],
        // Seed 003's controllers: on this setup the learning rate changes at steps 5, 10, 315 and 320 (so the band must
        // survive a resume), and early stopping's window of C_α readings is carried across it.
        .. controllers ? new[] { "--adaptive-lr", "--early-stop", "--early-stop-criteria", "falling-c", "--early-stop-window", "6" } : [],
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void KilledTwiceThenResumedEndsAsTheUninterruptedRun(bool controllers)
    {
        using var dir = new TempDirectory();
        var reference = CliRunner.Run(dir.Path, [.. Args(900, controllers: controllers), "--out", dir.Path, "--name", "reference"]);
        Assert.True(reference.ExitCode == 0, reference.Stderr);

        var runDir = Path.Combine(dir.Path, "killed");
        var rng = new Random(8);
        KillAfterResumePoints(CliRunner.Start(dir.Path, [.. Args(900, controllers: controllers), "--out", dir.Path, "--name", "killed"]), runDir, 2, rng);
        AssertStoreConsistentWithLatestPoint(runDir);
        KillAfterResumePoints(CliRunner.Start(dir.Path, "grok", "--resume", runDir, "--json"), runDir, 5, rng);
        AssertStoreConsistentWithLatestPoint(runDir);
        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", runDir, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);

        using var a = JsonDocument.Parse(reference.Stdout);
        using var b = JsonDocument.Parse(resumed.Stdout);
        AssertSameOutcome(a.RootElement, b.RootElement);
        Assert.Equal(a.RootElement.GetProperty("events").GetInt32() + 2, b.RootElement.GetProperty("events").GetInt32());   // + two "resumed"

        var (refMetrics, refEvents) = Contents(Path.Combine(dir.Path, "reference"));
        var (gotMetrics, gotEvents) = Contents(runDir);
        Assert.True(refMetrics.Count > 5000, $"only {refMetrics.Count} reference metrics");
        Assert.Equal(refMetrics.Count, gotMetrics.Count);
        var differing = refMetrics.Where(kv => !gotMetrics.TryGetValue(kv.Key, out var v) || !SameValue(v, kv.Value)).Select(kv => kv.Key).Take(5).ToList();
        Assert.True(differing.Count == 0, "metrics differ: " + string.Join(", ", differing));
        Assert.Equal(refEvents, gotEvents.Where(e => !e.StartsWith("resumed", StringComparison.Ordinal)).ToList());
        Assert.Equal(2, gotEvents.Count(e => e.StartsWith("resumed", StringComparison.Ordinal)));

        // TensorBoard: the killed processes' files lost the steps after their resume points (TensorBoardSink.ForgetAfter),
        // so each (step, tag) is there once, with the uninterrupted run's value.
        var refBoard = TensorBoardScalars(Path.Combine(dir.Path, "reference"));
        var gotBoard = TensorBoardScalars(runDir).Where(x => x.Tag != "events/resumed").ToList();
        var duplicated = gotBoard.GroupBy(x => (x.Step, x.Tag)).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicated.Count == 0, "TensorBoard records duplicated: " + string.Join(", ", duplicated));
        Assert.Equal(refBoard.Count, gotBoard.Count);
        var refByKey = refBoard.ToDictionary(x => (x.Step, x.Tag), x => x.Value);
        Assert.All(gotBoard, x => Assert.True(refByKey.TryGetValue((x.Step, x.Tag), out var v) && (v.Equals(x.Value)), $"{x.Tag}@{x.Step}"));

        var final = ResumePoint.ModelFileName(900);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Path, "reference", "checkpoints", final)), File.ReadAllBytes(Path.Combine(runDir, "checkpoints", final)));
    }

    /// <summary>Issue 23: Muon's momentum and its AdamW part survive a kill; the resumed run's final weights are the
    /// uninterrupted run's, byte for byte.</summary>
    [Fact]
    public void MuonRunKilledThenResumedEndsAsTheUninterruptedRun()
    {
        using var dir = new TempDirectory();
        string[] muon = ["--optimizer", "muon", "--muon-lr", "0.01"];
        var reference = CliRunner.Run(dir.Path, [.. Args(240, probes: false), .. muon, "--out", dir.Path, "--name", "reference"]);
        Assert.True(reference.ExitCode == 0, reference.Stderr);
        var runDir = Path.Combine(dir.Path, "killed");
        KillAfterResumePoints(CliRunner.Start(dir.Path, [.. Args(240, probes: false), .. muon, "--out", dir.Path, "--name", "killed"]), runDir, 3, new Random(3));
        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", runDir, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        var final = ResumePoint.ModelFileName(240);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Path, "reference", "checkpoints", final)), File.ReadAllBytes(Path.Combine(runDir, "checkpoints", final)));
        using var a = JsonDocument.Parse(reference.Stdout);
        using var b = JsonDocument.Parse(resumed.Stdout);
        Assert.Equal(a.RootElement.GetProperty("final_test_loss").ToString(), b.RootElement.GetProperty("final_test_loss").ToString());
    }

    /// <summary>A resumed run's summary equals the uninterrupted reference's in every outcome (accuracies, losses, steps,
    /// grok step, first events) and the resumed run completed.</summary>
    internal static void AssertSameOutcome(JsonElement reference, JsonElement resumed)
    {
        foreach (var key in new[] { "final_train_acc", "final_test_acc", "final_train_loss", "final_test_loss", "steps", "grok_step", "p_crossed_up", "k_star_shift", "gap_opened" })
            Assert.Equal(reference.GetProperty(key).ToString(), resumed.GetProperty(key).ToString());
        Assert.Equal("completed", resumed.GetProperty("status").GetString());
    }

    internal static bool SameValue(double a, double b) => a.Equals(b) || (double.IsNaN(a) && double.IsNaN(b));

    /// <summary>Waits until <paramref name="points"/> more resume points than now exist, then SIGKILLs after a random delay.</summary>
    static void KillAfterResumePoints(Process child, string runDir, int points, Random rng)
    {
        try
        {
            var checkpoints = Path.Combine(runDir, "checkpoints");
            int Count() => Directory.Exists(checkpoints) ? Directory.GetFiles(checkpoints, "*.resume.json").Length : 0;
            int target = Count() + points;
            var watch = Stopwatch.StartNew();
            while (Count() < target && !child.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(20);
            if (child.HasExited) Assert.Fail($"the child exited before it was killed ({child.ExitCode}): {child.StandardError.ReadToEnd()}");
            Thread.Sleep(rng.Next(0, 150));
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        finally
        {
            if (!child.HasExited) child.Kill(entireProcessTree: true);
            child.Dispose();
        }
    }

    /// <summary>After a kill the store opens, is intact, and holds every step of the loss up to the newest resume point.</summary>
    static void AssertStoreConsistentWithLatestPoint(string runDir)
    {
        var point = ResumePoint.Latest(Path.Combine(runDir, "checkpoints"), out _);
        Assert.NotNull(point);
        using var reader = RunReader.Open(runDir);
        Assert.Equal("ok", reader.IntegrityCheck());
        Assert.Equal("running", reader.Info().Status);
        var lossSteps = reader.Series("loss").Select(l => l.Step).Where(s => s <= point!.Step).ToList();
        // The cheap probes run every 3 steps: steps 3, 6, … up to the point are all there.
        Assert.Equal(Enumerable.Range(1, (int)point!.Step / 3).Select(i => 3L * i), lossSteps);
    }

    /// <summary>Every TensorBoard scalar of a run, from all its event files, timings and the end-of-run summary (wall times,
    /// event counts) left out (as in <see cref="Contents"/>).</summary>
    static List<TensorBoardSinkTests.Scalar> TensorBoardScalars(string runDir) =>
        Directory.GetFiles(PhaseScope.Reporting.Outputs.TensorBoard.TensorBoardSink.DirectoryOf(runDir), "events.out.tfevents.*")
            .SelectMany(f => TensorBoardSinkTests.Parse(File.ReadAllBytes(f)).Scalars)
            .Where(x => !x.Tag.StartsWith("monitor/", StringComparison.Ordinal) && !x.Tag.StartsWith("summary/", StringComparison.Ordinal)).ToList();

    internal static (Dictionary<(long, string), double> Metrics, List<string> Events) Contents(string runDir)
    {
        using var reader = RunReader.Open(runDir);
        var metrics = new Dictionary<(long, string), double>();
        foreach (var (m, _) in reader.Metrics())
            if (!m.Name.StartsWith("monitor/", StringComparison.Ordinal)) metrics[(m.Step, m.Name)] = m.Value;
        var events = reader.Events().Select(e => $"{e.Event.Kind} {e.Event.Step} {e.Event.Source} {e.Event.Message}").ToList();
        return (metrics, events);
    }

    [Fact]
    public void ChangedFileMakesTheNewestPointInvalidAndThePreviousOneCounts()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, [.. Args(90, probes: false), "--out", dir.Path, "--name", "run"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var checkpoints = Path.Combine(dir.Path, "run", "checkpoints");
        Assert.Equal(90, ResumePoint.Latest(checkpoints, out var none)!.Step);
        Assert.Empty(none);

        var optimizer = Path.Combine(checkpoints, "step_0000090.optimizer");
        var bytes = File.ReadAllBytes(optimizer);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(optimizer, bytes);
        File.Delete(Path.Combine(checkpoints, "step_0000060.safetensors"));
        var point = ResumePoint.Latest(checkpoints, out var skipped);
        Assert.Equal(30, point!.Step);
        Assert.Equal(2, skipped.Count);
        Assert.Contains(skipped, s => s.Contains("step_0000090.optimizer"));
        Assert.Contains(skipped, s => s.Contains("step_0000060.safetensors"));
    }

    [Fact]
    public void ResumeRefusesCompletedRunsOtherOptionsAndForeignDirectories()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, [.. Args(30, probes: false), "--out", dir.Path, "--name", "run"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var run = Path.Combine(dir.Path, "run");

        var completed = CliRunner.Run(dir.Path, "grok", "--resume", run);
        Assert.Equal(2, completed.ExitCode);
        Assert.Contains("completed", completed.Stderr);

        var other = CliRunner.Run(dir.Path, "grok", "--resume", run, "--steps", "60");
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("--steps", other.Stderr);

        Directory.CreateDirectory(Path.Combine(dir.Path, "empty"));
        var foreign = CliRunner.Run(dir.Path, "grok", "--resume", Path.Combine(dir.Path, "empty"));
        Assert.Equal(2, foreign.ExitCode);
        Assert.Contains("settings.json", foreign.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(dir.Path, "empty")));
    }
}
