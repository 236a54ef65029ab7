using System.Globalization;
using PhaseScope.Monitoring;
using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Text.Json;
using PhaseScope.Reporting.Evaluation;
using PhaseScope.Reporting.Store;
using PhaseScope.SpectralEdge;
using Spectre.Console;

namespace PhaseScope.Cli.Commands.Evaluation;

/// <summary>
/// <c>phasescope correlate RUN_DIR --metric NAME [--with eval/test_loss] [--max-lag 5] [--json]</c>: seed 001's Test 4,
/// the lagged Pearson correlation r(ℓ) = corr(x_t, y_{t+ℓ}) between any stored metric x and (by default) the
/// validation loss y (<see cref="LaggedCorrelation"/>). The series are aligned on the steps where both were recorded;
/// a lag counts positions in that common grid (its spacing is reported), and a positive best lag means x leads y.
/// </summary>
public static class CorrelateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "A run directory." };
        var metric = new Option<string>("--metric") { Description = "The metric x, e.g. spectral/gap_ratio.", Required = true };
        var with = new Option<string>("--with") { Description = "The series y.", DefaultValueFactory = _ => EvaluationMetrics.TestLoss };
        var maxLag = new NumericOption<int>("--max-lag", "Largest |lag| in positions of the common step grid.", 5, NumberRange<int>.AtLeast(0).CappedAt(100_000, "the lags computed, one correlation each"));
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var cmd = new Command("correlate", "Lagged correlation between a run's metric and its validation loss (seed 001, Test 4).") { run, metric, with, maxLag, json };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(p => p.GetValue(check) ? CheckMode.Print(CheckMode.Values(p)) : Run(p.GetValue(run)!, p.GetValue(metric)!, p.GetValue(with)!, p.GetValue(maxLag), p.GetValue(json)));
        return cmd;
    }

    /// <summary>One value per step (<see cref="StepAlignment.LastByStep(IReadOnlyList{ValueTuple{long, double}}, out int)"/>), saying
    /// when a step was recorded more than once.</summary>
    static Dictionary<long, double> ByStep(IReadOnlyList<(long Step, double Value)> series, string name)
    {
        var byStep = StepAlignment.LastByStep(series, out int duplicates);
        if (duplicates > 0) Console.Error.WriteLine($"phasescope: '{TerminalText.Plain(name)}' has {duplicates} step(s) recorded more than once; using the last value of each.");
        return byStep;
    }

    static int Run(string dir, string metric, string with, int maxLag, bool json)
    {
        if (maxLag < 0) throw new UsageException($"--max-lag must be ≥ 0 (got {maxLag}).");
        using var reader = RunReader.Open(dir);
        var names = reader.MetricNames();
        foreach (var n in new[] { metric, with })
            if (!names.Contains(n))
                throw new UsageException($"Run {dir} has no metric '{n}'. Metrics with that prefix: {string.Join(", ", names.Where(m => m.StartsWith(n.Split('/')[0], StringComparison.Ordinal)).Take(10).DefaultIfEmpty("none"))}.");
        var x = ByStep(reader.Series(metric), metric);
        var y = ByStep(reader.Series(with), with);
        var steps = StepAlignment.CommonSteps(x, y);
        if (steps.Length < 3)
            throw new UsageException($"'{metric}' and '{with}' share {steps.Length} recorded step(s); a correlation needs at least 3.");
        if (maxLag > steps.Length - 3)
            throw new UsageException($"--max-lag {maxLag} is too large for {steps.Length} common steps: each lag needs at least 3 pairs, so at most {steps.Length - 3}.");
        var (byLag, best, r) = LaggedCorrelation.Compute(steps.Select(s => x[s]).ToArray(), steps.Select(s => y[s]).ToArray(), maxLag);
        long spacing = steps.Zip(steps.Skip(1), (a, b) => b - a).Min();
        var zero = byLag.First(l => l.Lag == 0).R;
        var result = new Dictionary<string, object?>
        {
            ["metric"] = metric, ["with"] = with, ["points"] = steps.Length, ["first_step"] = steps[0], ["last_step"] = steps[^1],
            ["step_spacing"] = spacing, ["r_lag0"] = SummaryTable.Finite(zero), ["best_lag"] = best, ["best_r"] = SummaryTable.Finite(r),
            ["by_lag"] = byLag.Select(l => new Dictionary<string, object?> { ["lag"] = l.Lag, ["r"] = SummaryTable.Finite(l.R) }).ToList(),
        };
        if (json) Console.WriteLine(CliJson.Serialize(result));
        else
        {
            AnsiConsole.Write(SummaryTable.Of($"[bold]{TerminalText.Markup(metric)} vs {TerminalText.Markup(with)}[/]", result, "G4", "by_lag"));
            var t = new Table().AddColumns("lag", "r");
            foreach (var l in byLag) t.AddRow(l.Lag.ToString(CultureInfo.InvariantCulture), double.IsNaN(l.R) ? "-" : l.R.ToString("F3", CultureInfo.InvariantCulture));
            AnsiConsole.Write(t);
        }
        return ExitCodes.Ok;
    }
}
