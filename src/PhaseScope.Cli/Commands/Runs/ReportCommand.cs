using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Globalization;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Outputs.Html;

namespace PhaseScope.Cli.Commands.Runs;

/// <summary><c>phasescope report RUN_DIR [--out report.html] [--at STEP,...]</c>: the run as one self-contained HTML file.</summary>
public static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var run = new Argument<string>("RUN_DIR") { Description = "A run directory." };
        var output = new Option<string?>("--out") { Description = "The HTML file to write (default RUN_DIR/report.html)." };
        var at = AtSteps.Option("--at", "Steps (comma-separated) at which to draw the coupling surface, spectral plane and rank–rank sample (default: first, grok, last snapshot).", null);
        var cmd = new Command("report", "Write a self-contained HTML report of a run (works offline).") { run, output, at };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(p =>
        {
            var dir = p.GetValue(run)!;
            var steps = ParseSteps(p.GetValue(at));
            if (p.GetValue(check))
            {
                var values = CheckMode.Values(p);
                values["--at"] = steps;
                return CheckMode.Print(values);
            }
            var outPath = p.GetValue(output) ?? Path.Combine(dir, "report.html");
            Write(dir, outPath, steps);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Writes the report, checking the target first; prints its path.</summary>
    public static void Write(string runDirectory, string outPath, IReadOnlyList<long>? steps = null)
    {
        CheckTargets([runDirectory], outPath);
        int figures = RunReport.Write(runDirectory, outPath, steps);
        Console.WriteLine($"{TerminalText.Plain(outPath)} ({figures} charts)");
    }

    /// <summary>Every input is a run directory and the output a writable file path; checked before anything is read or written.
    /// A report of one run may go into that run's directory; a comparison of several belongs to none of them.</summary>
    public static void CheckTargets(IReadOnlyCollection<string> runDirectories, string outPath)
    {
        // RunReader.Open is the run check (directory, run.db, run record, schema version); opening is cheap.
        foreach (var d in runDirectories) RunReader.Open(d).Dispose();
        OutputGuard.File(outPath, "--out", ownRuns: OutputGuard.OwnRun(runDirectories), owned: OutputGuard.HtmlPage);
    }

    /// <summary>Parses "100,1500" into steps.</summary>
    public static IReadOnlyList<long>? ParseSteps(string? spec)
    {
        if (spec is null) return null;
        return AtSteps.Parse("--at", spec);
    }

    /// <summary>The steps of <c>--at</c>: a set (sorted, repeats dropped), each a step ≥ 0; each step draws three figures.</summary>
    public static readonly NumberList<long> AtSteps = new(NumberRange<long>.AtLeast(0), ListOrder.Sorted, 1000, "the snapshots drawn, three figures each");
}
