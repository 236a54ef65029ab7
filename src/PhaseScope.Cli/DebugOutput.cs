namespace PhaseScope.Cli;

/// <summary>
/// Whether failures print .NET stack traces: only with <c>--debug</c> (anywhere on the command line) or
/// <c>PHASESCOPE_DEBUG=1</c>. Otherwise a failure is one line: its message as
/// <see cref="PhaseScope.Monitoring.EventText.OneLine"/> shows it (native libtorch messages carry kilobytes of C++ frames),
/// never the exception's type name, and a hint how to see the rest.
/// </summary>
public static class DebugOutput
{
    /// <summary>Set once by Program from the command line and the environment.</summary>
    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("PHASESCOPE_DEBUG") == "1";

    /// <summary>Removes <c>--debug</c> from <paramref name="args"/>, turning stack traces on when it was there.</summary>
    public static string[] Strip(string[] args)
    {
        if (!args.Contains("--debug")) return args;
        Enabled = true;
        return args.Where(a => a != "--debug").ToArray();
    }

    /// <summary>Writes the stack trace when enabled, else a hint how to see it.</summary>
    public static void Trace(Exception e)
    {
        if (Enabled) Console.Error.WriteLine(e.ToString());
        else Console.Error.WriteLine("(run again with --debug for the full error and stack trace)");
    }
}
