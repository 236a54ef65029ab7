using System.Globalization;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;
using PhaseScope.Training;
using Spectre.Console;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>A grok run's summary: the typed <see cref="RunSummary"/> the diagnosis builder makes, around the run's own
/// facts (steps, status, timings, seed), stored with the run, printed with <c>--json</c> and as the terminal's table.</summary>
static class GrokSummary
{
    /// <summary>The stored summary of a finished grok run.</summary>
    internal static Dictionary<string, object?> Of(GrokSettings s, TrainResult r, string runDir, PhaseMonitor monitor, string status, RunDiagnosis diagnosis, string? forecast) =>
        (DiagnosisBuilder.Summarise(diagnosis, r.GrokStep, new FinalEvaluation(r.Final.TrainAccuracy, r.Final.TestAccuracy, r.Final.TrainLoss, r.Final.TestLoss), monitor.Events)
            with { Forecast = forecast }).Compose(RunFacts(s, r, runDir, monitor, status));

    static Dictionary<string, object?> RunFacts(GrokSettings s, TrainResult r, string runDir, PhaseMonitor monitor, string status) => new()
    {
        ["steps"] = r.Steps,
        ["stopped_after_grok"] = r.GrokStep is not null && s.Trainer.StopAfterGrok is not null && r.Steps < s.Trainer.Steps,
        ["run_dir"] = runDir,
        ["status"] = status,
        ["task"] = s.Task,
        ["op"] = Tasks.GrokTasks.Of(s).HasOperations ? s.OperationName : null,
        ["seed"] = s.Trainer.Seed,
        ["weight_decay"] = s.Trainer.WeightDecay,
        ["wall_seconds"] = r.WallSeconds,
        ["steps_per_second"] = r.StepsPerSecond,
        ["monitor_seconds"] = monitor.TotalSeconds,
        ["monitor_fraction"] = r.WallSeconds > 0 ? monitor.TotalSeconds / r.WallSeconds : 0,
        ["events"] = monitor.Events.Count,
        ["probe_failures"] = monitor.Events.Count(e => e.Kind == "probe_failed"),
        ["stopped_early"] = r.StoppedEarly is { } stop ? $"{stop.Criterion} at step {stop.Step}: {stop.Reason}" : null,
    };

    /// <summary>The summary in the terminal: the diagnosis panel, the run table, the monitor cost and the events.</summary>
    internal static void Print(Dictionary<string, object?> summary, PhaseMonitor monitor)
    {
        if (summary.GetValueOrDefault("diagnosis") is string answer)
            AnsiConsole.Write(new Panel(TerminalText.Markup(answer)).Header("[bold]diagnosis[/]").Expand());
        AnsiConsole.Write(SummaryTable.Of("[bold]run summary[/]", summary, "G5", "diagnosis"));
        var probes = new Table().Title("[bold]monitor cost[/]").AddColumns("probe", "calls", "total s", "ms/call", "state");
        foreach (var t in monitor.Timings)
            probes.AddRow(TerminalText.Markup(t.Name), t.Calls.ToString(CultureInfo.InvariantCulture), t.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture), t.MeanMilliseconds.ToString("F3", CultureInfo.InvariantCulture), t.Disabled ? "[red]disabled[/]" : "ok");
        AnsiConsole.Write(probes);
        foreach (var e in monitor.Events)
            AnsiConsole.MarkupLine($"[yellow]event[/] step {e.Step}: {TerminalText.Markup(e.Kind)} ({TerminalText.Markup(e.Source)}): {TerminalText.Markup(EventText.OneLine(e.Message))}");
    }
}
