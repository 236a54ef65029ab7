namespace PhaseScope.Cli;

/// <summary>Exit codes of the <c>phasescope</c> command.</summary>
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
    /// <summary>Interrupted by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;
}

/// <summary>Bad input detected by the CLI itself; the message names the problem and the fix.</summary>
public sealed class UsageException(string message) : Exception(TerminalText.Plain(message));
