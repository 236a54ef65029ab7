using System.CommandLine;

namespace PhaseScope.Cli.Options;

/// <summary>
/// <c>--check</c>, the validate-only mode of every command that does work: the command parses and validates its options
/// and inputs as it would before working, prints the resolved settings as one JSON object (invariant numbers) on stdout
/// and exits 0; bad input exits 2 as always. It trains, computes and writes nothing (no run directory, no file).
/// </summary>
public static class CheckMode
{
    /// <summary>Adds <c>--check</c> to <paramref name="command"/> and returns it.</summary>
    public static Option<bool> AddTo(Command command)
    {
        var check = new Option<bool>("--check") { Description = "Validate the options and print the resolved settings as one JSON object; do no work and write nothing (exit 0, or 2 on bad input)." };
        command.Options.Add(check);
        return check;
    }

    /// <summary>Prints <paramref name="settings"/> as one JSON line and returns exit code 0.</summary>
    public static int Print(object settings)
    {
        Console.WriteLine(CliJson.Serialize(settings));
        return ExitCodes.Ok;
    }

    /// <summary>Every option and argument of the parsed command with its value (defaults included), by name, for
    /// commands whose settings are their options.</summary>
    public static Dictionary<string, object?> Values(ParseResult r)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        var command = r.CommandResult.Command;
        foreach (var a in command.Arguments) d[a.Name] = r.GetResult(a) is { } ar ? ar.GetValueOrDefault<object?>() : null;
        foreach (var o in command.Options)
            if (o.Name is not ("--check" or "--help" or "-h") && o is not System.CommandLine.Help.HelpOption)
                d[o.Name] = r.GetResult(o) is { } or ? or.GetValueOrDefault<object?>() : null;
        return d;
    }
}
