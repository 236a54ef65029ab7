using System.Runtime.InteropServices;

namespace PhaseScope.Runtime;

/// <summary>
/// Sends SIGINT or SIGTERM to another process (POSIX <c>kill(2)</c>), so that a parent that was asked to stop (a sweep
/// under Slurm or Kubernetes, which signal only the process they started) can ask its children to stop the same way
/// instead of killing them. The signal numbers are those of Linux and macOS (SIGINT 2, SIGTERM 15); elsewhere it does
/// nothing and returns false.
/// </summary>
public static partial class ChildSignal
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> (SIGINT or SIGTERM) to process <paramref name="pid"/>; false when it
    /// could not be sent (the process is gone, or the platform has no POSIX signals).</summary>
    public static bool Send(int pid, PosixSignal signal)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return false;
        int number = signal switch
        {
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "Only SIGINT and SIGTERM are forwarded."),
        };
        return Kill(pid, number) == 0;
    }
}
