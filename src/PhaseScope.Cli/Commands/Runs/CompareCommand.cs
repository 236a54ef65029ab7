using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Reporting.Outputs.Html;

namespace PhaseScope.Cli.Commands.Runs;

/// <summary><c>phasescope compare RUN_DIR... [--out compare.html]</c>: runs overlaid on one self-contained page.</summary>
public static class CompareCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var runs = new Argument<string[]>("RUN_DIR") { Description = "Two or more run directories.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The HTML file to write.", DefaultValueFactory = _ => "compare.html" };
        var cmd = new Command("compare", "Overlay the key series of several runs and tabulate their grok steps and first events (one self-contained HTML file).") { runs, output };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(p =>
        {
            var dirs = p.GetValue(runs)!;
            var outPath = p.GetValue(output)!;
            ReportCommand.CheckTargets(dirs, outPath);
            // Two or more, as the help says: one run is no comparison, so it is bad input (exit 2), not a one-run page.
            if (dirs.Length < 2) throw new UsageException($"compare needs two or more run directories (got {dirs.Length}); for one run use 'phasescope report {dirs.FirstOrDefault()}'.");
            var repeated = dirs.GroupBy(d => Path.GetFullPath(d).TrimEnd(Path.DirectorySeparatorChar)).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null) throw new UsageException($"compare got the run {repeated.First()} more than once; pass each run once.");
            if (p.GetValue(check)) return CheckMode.Print(CheckMode.Values(p));
            int figures = CompareReport.Write(dirs, outPath);
            Console.WriteLine($"{TerminalText.Plain(outPath)} ({figures} charts, {dirs.Length} runs)");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
