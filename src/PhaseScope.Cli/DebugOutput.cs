namespace PhaseScope.Cli;

/// <summary>
/// Whether failures print .NET stack traces: only with <c>--debug</c> (anywhere on the command line) or
/// <c>PHASESCOPE_DEBUG=1</c>. Otherwise a failure is one line: the exception's type and the first line of its message
/// (native libtorch messages carry kilobytes of C++ frames after it).
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

    /// <summary>The first line of the message (of the innermost exception when the outer one only wraps it).</summary>
    public static string FirstLine(Exception e)
    {
        var line = e.Message.Split('\n', 2)[0].TrimEnd('\r');
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    /// <summary>Writes the stack trace when enabled, else a hint how to see it.</summary>
    public static void Trace(Exception e)
    {
        if (Enabled) Console.Error.WriteLine(e.ToString());
        else Console.Error.WriteLine("(run again with --debug for the full error and stack trace)");
    }
}
