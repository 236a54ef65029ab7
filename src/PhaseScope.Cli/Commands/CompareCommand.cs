using System.CommandLine;
using PhaseScope.Reporting.Html;

namespace PhaseScope.Cli.Commands;

/// <summary><c>phasescope compare RUN_DIR... [--out compare.html]</c>: runs overlaid on one self-contained page.</summary>
public static class CompareCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var runs = new Argument<string[]>("RUN_DIR") { Description = "Two or more run directories.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The HTML file to write.", DefaultValueFactory = _ => "compare.html" };
        var cmd = new Command("compare", "Overlay the key series of several runs and tabulate their grok steps and first events (one self-contained HTML file).") { runs, output };
        cmd.SetAction(p =>
        {
            var dirs = p.GetValue(runs)!;
            var outPath = p.GetValue(output)!;
            ReportCommand.CheckTargets(dirs, outPath);
            int figures = CompareReport.Write(dirs, outPath);
            Console.WriteLine($"{outPath} ({figures} charts, {dirs.Length} runs)");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
