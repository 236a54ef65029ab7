namespace PhaseScope.Cli;

/// <summary>
/// Exit codes of the <c>phasescope</c> command, the contract a script reads (docs/RELIABILITY.md, "Exit codes, signals,
/// resume across machines", lists each with when it happens and the test that checks it):
/// <list type="table">
/// <item><term>0</term><description>success (a sweep: every cell of the shard finished, completed or diverged)</description></item>
/// <item><term>1</term><description>the tool failed during the work (a bug, a full disk, a crash of the training); the run is stored as <c>failed</c></description></item>
/// <item><term>2</term><description>bad input: an option, a file or a directory the user gave; a one-line message names it and the fix</description></item>
/// <item><term>3</term><description>this machine cannot run PhaseScope (the native runtime does not load)</description></item>
/// <item><term>4</term><description>the training diverged (a non-finite loss or parameter): the run is stored with status <c>diverged</c></description></item>
/// <item><term>130</term><description>interrupted by SIGINT (Ctrl+C): the run is stored as <c>interrupted</c>, resumable</description></item>
/// <item><term>143</term><description>stopped by SIGTERM (kill, timeout, Slurm, Kubernetes): as 130</description></item>
/// </list>
/// </summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>An unexpected failure during the work (a bug or a crash of the training).</summary>
    public const int Failed = 1;
    /// <summary>Bad input: an option, a file or a directory the user gave. Nothing was written.</summary>
    public const int BadInput = 2;
    /// <summary>The machine cannot run PhaseScope (native runtime).</summary>
    public const int Environment = 3;
    /// <summary>The training diverged: its loss or a parameter turned NaN or ±∞ (PhaseScope.Training's <c>Divergence</c>
    /// rule); training stopped at that step and the run is stored with status <c>diverged</c>, a finished outcome.</summary>
    public const int Diverged = 4;
    /// <summary>Interrupted by the user (Ctrl+C, SIGINT: 128 + 2).</summary>
    public const int Cancelled = 130;
    /// <summary>Stopped by SIGTERM (128 + 15), what <c>kill</c>, <c>timeout</c>, Slurm and Kubernetes send.</summary>
    public const int Terminated = 143;
}

/// <summary>Bad input detected by the CLI itself; the message names the problem and the fix.</summary>
public sealed class UsageException(string message) : Exception(TerminalText.Plain(message));
