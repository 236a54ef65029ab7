using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Reporting.Store;
using PhaseScope.Reporting.Evaluation;

namespace PhaseScope.Cli.Commands.Evaluation;

/// <summary>
/// <c>phasescope verdict SWEEP_DIR [SWEEP_DIR…] [--window W] [--out DIR]</c>: scores every event kind of the
/// sweeps' completed runs as a predictor of grokking (<see cref="IndicatorScore"/>) and writes the Markdown report with
/// seed 001's Test 7 tables and figures (<see cref="VerdictReport"/>). Unfinished runs are listed and left out; a
/// directory without any completed run is an error.
/// </summary>
public static class VerdictCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var dirs = new Argument<string[]>("SWEEP_DIR") { Description = "Sweep directories (from 'phasescope sweep') or single run directories.", Arity = ArgumentArity.OneOrMore };
        var window = new NumericOption<long>("--window", "W: an event counts as a hit when it falls in [grok step − W, grok step].", 1000, NumberRange<long>.AtLeast(0).CappedAt(1_000_000_000, "steps before the grok step"));
        var outDir = new Option<string?>("--out") { Description = "Directory for VERDICT.md, verdict.json and the figures (default: SWEEP_DIR/verdict)." };
        var cmd = new Command("verdict", "Measure how well each indicator's events announce grokking over a sweep; writes a Markdown report.") { dirs, window, outDir };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(check) ? CheckMode.Print(CheckMode.Values(r)) : Run(r.GetValue(dirs)!, r.GetValue(window), r.GetValue(outDir)));
        return cmd;
    }

    /// <summary>Loads the runs, writes the report, prints the indicator table.</summary>
    public static int Run(string[] directories, long window, string? outDirectory)
    {
        if (window < 0) throw new UsageException($"--window must be ≥ 0 steps (got {window}).");
        foreach (var dir in directories) InputPath.Directory(dir, "", "pass a sweep directory written by 'phasescope sweep'");
        var target = outDirectory ?? Path.Combine(directories[0], "verdict");
        OutputGuard.Directory(target, "--out", ownRuns: OutputGuard.OwnRun(directories.Where(RunReader.IsRun).ToList()), files: VerdictReport.FileNames);
        var runs = new List<(string Sweep, SweepRun Run)>();
        var skipped = new List<string>();
        foreach (var dir in directories)
        {
            var candidates = RunReader.IsRun(dir) ? [dir] : Directory.GetDirectories(dir).Where(RunReader.IsRun).Order(StringComparer.Ordinal).ToArray();
            if (candidates.Length == 0) throw new UsageException($"{dir} holds no runs (no subdirectory with a run.db); pass a sweep directory written by 'phasescope sweep'.");
            foreach (var c in candidates)
            {
                try { runs.Add((Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)), SweepRun.Load(c))); }
                catch (RunStoreException e) { skipped.Add($"{Path.GetFileName(c)}: {e.Message}"); }
            }
        }
        if (runs.Count == 0)
            throw new UsageException($"No completed run in {string.Join(", ", directories)} ({string.Join("; ", skipped)}). Finish the sweep first ('phasescope sweep' with the same options continues it).");
        // The same cell run in two sweeps (e.g. a longer rerun) keeps both, named by sweep.
        var repeated = runs.GroupBy(r => r.Run.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        var loaded = runs.Select(r => repeated.Contains(r.Run.Name) ? r.Run with { Name = $"{r.Sweep}/{r.Run.Name}" } : r.Run).ToList();

        var command = $"phasescope verdict {string.Join(' ', directories)} --window {window}{(outDirectory is null ? "" : $" --out {outDirectory}")}";
        using var staged = new StagedOutput(target);   // report, JSON and figures together or not at all
        var scores = VerdictReport.Write(loaded, window, staged.Folder, string.Join(", ", directories.Select(d => Path.GetFileName(Path.TrimEndingDirectorySeparator(d)))), command);
        staged.Commit(last: VerdictReport.MarkdownFile);

        Console.WriteLine($"{loaded.Count} runs ({loaded.Count(r => r.Grokked)} grokked), window {window} steps.");
        foreach (var s in scores)
            Console.WriteLine($"  {TerminalText.Plain(s.Kind),-24} hits {s.Hits}/{s.Grokking}  median lead {s.MedianLead,7:G4}  false positives matched {s.MatchedFalsePositives}/{s.Controls}, anywhere {s.AnywhereFalsePositives}/{s.Controls}");
        foreach (var s in skipped) Console.WriteLine($"  left out (not completed) {TerminalText.Plain(s)}");
        Console.WriteLine($"Report: {TerminalText.Plain(Path.Combine(target, VerdictReport.MarkdownFile))}");
        return ExitCodes.Ok;
    }
}
