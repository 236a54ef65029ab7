using PhaseScope.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PhaseScope.Cli.Commands.TrainingRun;

/// <summary>
/// Shows training progress: a compact Spectre.Console panel redrawn in place (step, loss, train/test accuracy,
/// and the latest reading of every metric its families label for the terminal (<see cref="LatestReadings"/>) and event) on a terminal, plain lines
/// when output is redirected (CI, pipes), nothing in --json mode.
/// </summary>
public static class TrainingView
{
    /// <summary>How progress is shown.</summary>
    public enum Mode
    {
        /// <summary>Nothing (stdout carries JSON).</summary>
        Silent,
        /// <summary>A line every few evaluations.</summary>
        Lines,
        /// <summary>A live panel.</summary>
        Live,
    }

    /// <summary>Live on an interactive terminal, else lines.</summary>
    public static Mode Choose(bool json) =>
        json ? Mode.Silent
        : !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive ? Mode.Live
        : Mode.Lines;

    /// <summary>What the two accuracies of a <see cref="TrainProgress"/> are called: grok's train/test, forget's task A/B.</summary>
    public sealed record AccuracyLabels(string First, string Second)
    {
        /// <summary>Train and test accuracy (the evaluation's Train*/Test* fields).</summary>
        public static readonly AccuracyLabels TrainTest = new("train acc", "test acc");
    }

    /// <summary>
    /// Runs <paramref name="train"/>, giving it the step and evaluation callbacks of the chosen view.
    /// </summary>
    public static T Run<T>(Mode mode, string title, int totalSteps, Func<Action<long>?, Action<TrainProgress>?, T> train, LatestReadings? readings = null,
        AccuracyLabels? labels = null)
    {
        labels ??= AccuracyLabels.TrainTest;
        string Describe(TrainProgress p) => TrainingView.Describe(p, labels) + (readings?.Describe() ?? "");
        switch (mode)
        {
            case Mode.Silent:
                return train(null, null);
            case Mode.Lines:
                long lineEvery = Math.Max(1, totalSteps / 20);
                long nextLine = 0;
                Console.WriteLine(title);
                return train(null, p =>
                {
                    if (p.Step < nextLine && p.Step != p.TotalSteps) return;
                    nextLine = (p.Step / lineEvery + 1) * lineEvery;
                    Console.WriteLine(Describe(p));
                });
            default:
                return RunLive(title, totalSteps, train, readings, labels);
        }
    }

    /// <summary>
    /// A compact panel redrawn in place: step and progress, loss, train/test accuracy, the family readings
    /// (<see cref="LatestReadings.Readings"/>) and the last event; step updates are throttled to 10 redraws a second.
    /// </summary>
    static T RunLive<T>(string title, int totalSteps, Func<Action<long>?, Action<TrainProgress>?, T> train, LatestReadings? readings, AccuracyLabels labels)
    {
        T result = default!;
        TrainProgress? last = null;
        long step = 0;
        long lastDraw = 0;
        IRenderable Render()
        {
            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn().AddColumn(new GridColumn().NoWrap()).AddColumn();
            double fraction = totalSteps > 0 ? Math.Clamp((double)step / totalSteps, 0, 1) : 0;
            grid.AddRow(new Markup("[bold]step[/]"), new Markup($"{step}/{totalSteps}  [green]{new string('█', (int)(fraction * 24))}[/][grey]{new string('░', 24 - (int)(fraction * 24))}[/]"),
                new Markup("[bold]loss[/]"), new Text(last is null ? "–" : last.Loss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)));
            grid.AddRow(new Markup($"[bold]{TerminalText.Markup(labels.First)}[/]"), new Text(last is null ? "–" : last.Evaluation.TrainAccuracy.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)),
                new Markup($"[bold]{TerminalText.Markup(labels.Second)}[/]"), new Text(last is null ? "–" : last.Evaluation.TestAccuracy.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) + (last.GrokStep is long g ? $"  grokked@{g}" : "")));
            if (readings?.Diagnosis is { } diagnosis)
            {
                var phase = diagnosis.Current;
                string colour = phase switch { PhaseScope.Diagnosis.RunPhase.Unstable or PhaseScope.Diagnosis.RunPhase.Forgetting => "red", PhaseScope.Diagnosis.RunPhase.Generalised => "green", PhaseScope.Diagnosis.RunPhase.Generalising => "cyan", _ => "white" };
                grid.AddRow(new Markup("[bold]phase[/]"), new Markup($"[{colour}]{PhaseScope.Diagnosis.RunPhaseNames.Name(phase)}[/]" + (diagnosis.Timeline.Count > 0 ? $" since {diagnosis.Timeline[^1].Start}" : "")),
                    new Markup("[bold]loss spikes[/]"), new Text(diagnosis.Spikes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            if (readings?.Forecast?.Describe() is { } forecast)
                grid.AddRow(new Markup("[bold]forecast[/]"), new Text(forecast), new Text(""), new Text(""));
            var shown = readings?.Readings() ?? [];
            for (int i = 0; i < shown.Count; i += 2)
                grid.AddRow(new Markup($"[bold]{TerminalText.Markup(shown[i].Label)}[/]"), new Text(shown[i].Value),
                    new Markup(i + 1 < shown.Count ? $"[bold]{TerminalText.Markup(shown[i + 1].Label)}[/]" : ""), new Text(i + 1 < shown.Count ? shown[i + 1].Value : ""));
            if (readings?.LastEvent is { } e)
                grid.AddRow(new Markup("[bold]last event[/]"), new Markup($"[yellow]{TerminalText.Markup(e.Kind)}[/] @ {e.Step}"), new Text(""), new Text(""));
            return new Panel(grid).Header(TerminalText.Markup(title)).RoundedBorder();
        }
        AnsiConsole.Live(Render()).AutoClear(false).Start(ctx =>
        {
            result = train(s =>
            {
                step = s;
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                if ((now - lastDraw) * 10 < System.Diagnostics.Stopwatch.Frequency) return;
                lastDraw = now;
                ctx.UpdateTarget(Render());
            }, p =>
            {
                last = p;
                step = p.Step;
                ctx.UpdateTarget(Render());
            });
            ctx.UpdateTarget(Render());
        });
        return result;
    }

    static string Describe(TrainProgress p, AccuracyLabels labels) =>
        $"step {p.Step,6}/{p.TotalSteps}  loss {p.Loss,8:F4}  {labels.First} {p.Evaluation.TrainAccuracy:F3}  {labels.Second} {p.Evaluation.TestAccuracy:F3}" +
        (p.GrokStep is long g ? $"  grokked@{g}" : "");
}
