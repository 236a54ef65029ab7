namespace PhaseScope.Reporting.Store;

/// <summary>
/// The status a run's record (<c>runs.status</c>) holds. <see cref="Running"/> while a process writes it (or after one
/// was killed), then one of: <see cref="Completed"/> and <see cref="Diverged"/> are finished outcomes (a sweep skips
/// them, <c>grok --resume</c> refuses them); <see cref="Interrupted"/> (SIGINT or SIGTERM; runs written before the name
/// existed say <see cref="Cancelled"/>) and <see cref="Failed"/> continue with <c>grok --resume</c> from the last resume point.
/// </summary>
public static class RunStatus
{
    /// <summary>A process is writing the run, or one was killed while it did.</summary>
    public const string Running = "running";
    /// <summary>The run ended as asked (its steps, a stop after the grok step, or early stopping).</summary>
    public const string Completed = "completed";
    /// <summary>The training diverged (a non-finite loss or parameter) and stopped at that step.</summary>
    public const string Diverged = "diverged";
    /// <summary>Stopped by SIGINT or SIGTERM after a whole step; resumable.</summary>
    public const string Interrupted = "interrupted";
    /// <summary>What <see cref="Interrupted"/> was called before SIGTERM was handled too (Ctrl+C only).</summary>
    public const string Cancelled = "cancelled";
    /// <summary>The tool failed during the work.</summary>
    public const string Failed = "failed";

    /// <summary>Whether <paramref name="status"/> is a finished outcome: nothing is left to resume.</summary>
    public static bool IsFinished(string? status) => status is Completed or Diverged;
}
