using System.Diagnostics;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Reporting;

public class KilledRunTests
{
    /// <summary>
    /// A real training process (the CLI) is killed with SIGKILL while it writes metrics every step;
    /// the database must open, pass SQLite's integrity check and hold a gap-free prefix of the run.
    /// </summary>
    [Fact]
    public void StoreSurvivesSigkillMidRun()
    {
        using var dir = new TempDirectory();
        using var child = CliRunner.Start(dir.Path, "grok", "--task", "modular", "--p", "23", "--steps", "1000000", "--eval-every", "25",
            "--probe-every", "1", "--d-model", "32", "--heads", "2", "--d-ff", "64", "--layers", "1", "--threads", "1",
            "--out", dir.Path, "--name", "killed", "--json");
        try
        {
            KillMidRunAndCheck(child, Path.Combine(dir.Path, "killed"));
        }
        finally
        {
            if (!child.HasExited) child.Kill(entireProcessTree: true);
        }
    }

    static void KillMidRunAndCheck(Process child, string runDir)
    {
        long seen = 0;
        var watch = Stopwatch.StartNew();
        while (seen < 2000 && watch.Elapsed < TimeSpan.FromMinutes(3) && !child.HasExited)
        {
            Thread.Sleep(200);
            if (!RunReader.IsRun(runDir)) continue;
            try
            {
                using var r = RunReader.Open(runDir);
                seen = r.MetricCount();
            }
            catch (RunStoreException) { }
            catch (Microsoft.Data.Sqlite.SqliteException) { } // e.g. busy while the writer checkpoints
        }
        if (child.HasExited) Assert.Fail($"the child exited early ({child.ExitCode}): {child.StandardError.ReadToEnd()}");
        Assert.True(seen >= 2000, $"only {seen} metrics were written before the deadline");
        Thread.Sleep(Random.Shared.Next(50, 500));
        child.Kill(entireProcessTree: true); // SIGKILL on Linux
        child.WaitForExit();
        Assert.Equal(137, child.ExitCode);

        using var reader = RunReader.Open(runDir);
        Assert.Equal("ok", reader.IntegrityCheck());
        var info = reader.Info();
        Assert.Equal("running", info.Status);
        Assert.Null(info.FinishedUtc);
        Assert.True(reader.MetricCount() >= seen);
        var loss = reader.Series("loss");
        Assert.Equal(Enumerable.Range(1, loss.Count).Select(i => (long)i), loss.Select(l => l.Step));
        Assert.All(loss, l => Assert.True(double.IsFinite(l.Value)));
    }
}
