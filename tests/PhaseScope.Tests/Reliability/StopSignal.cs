using System.Diagnostics;

namespace PhaseScope.Tests.Reliability;

/// <summary>Sends a POSIX signal to a child CLI the way a user, <c>timeout</c>, Slurm or Kubernetes does: <c>kill -SIGNAL pid</c>.</summary>
static class StopSignal
{
    /// <summary>Waits until <paramref name="runDir"/>/checkpoints holds at least <paramref name="points"/> resume points
    /// (the run is well under way and resumable), then sends <paramref name="signal"/> (TERM or INT) and waits for the exit.</summary>
    public static (int ExitCode, string Stdout, string Stderr) AfterResumePoints(Process child, string runDir, string signal, int points = 1)
    {
        try
        {
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            var checkpoints = Path.Combine(runDir, "checkpoints");
            int Count() => Directory.Exists(checkpoints) ? Directory.GetFiles(checkpoints, "*.resume.json").Length : 0;
            while (Count() < points && !child.HasExited) Thread.Sleep(20);
            if (child.HasExited) Assert.Fail($"the child exited before the signal ({child.ExitCode}): {stderr.Result}");
            Send(child.Id, signal);
            child.WaitForExit();
            return (child.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            if (!child.HasExited) child.Kill(entireProcessTree: true);
            child.Dispose();
        }
    }

    /// <summary><c>kill -SIGNAL pid</c>.</summary>
    public static void Send(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString()]))!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
