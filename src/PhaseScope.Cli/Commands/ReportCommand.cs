using System.CommandLine;
using System.Globalization;
using PhaseScope.Reporting;
using PhaseScope.Reporting.Html;

namespace PhaseScope.Cli.Commands;

/// <summary><c>phasescope report RUN_DIR [--out report.html] [--at STEP,...]</c>: the run as one self-contained HTML file.</summary>
public static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var run = new Argument<string>("RUN_DIR") { Description = "A run directory." };
        var output = new Option<string?>("--out") { Description = "The HTML file to write (default RUN_DIR/report.html)." };
        var at = new Option<string?>("--at") { Description = "Steps (comma-separated) at which to draw the coupling surface, spectral plane and rank–rank sample (default: first, grok, last snapshot)." };
        var cmd = new Command("report", "Write a self-contained HTML report of a run (works offline).") { run, output, at };
        cmd.SetAction(p =>
        {
            var dir = p.GetValue(run)!;
            var steps = ParseSteps(p.GetValue(at));
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
        if (string.IsNullOrWhiteSpace(spec)) return null;
        var steps = new List<long>();
        foreach (var part in spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) || s < 0)
                throw new UsageException($"--at {spec}: '{part}' is not a step (a non-negative integer); e.g. --at 100,1500.");
            steps.Add(s);
        }
        return steps;
    }
}
