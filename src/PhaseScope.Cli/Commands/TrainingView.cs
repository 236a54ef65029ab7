using PhaseScope.Training;
using Spectre.Console;

namespace PhaseScope.Cli.Commands;

/// <summary>
/// Shows training progress: a Spectre.Console progress bar (step, loss, train/test accuracy, and the
/// latest p, λ_max, m∩, d₀ and event when those probes run) on a terminal, plain lines when output is
/// redirected (CI, pipes), nothing in --json mode.
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
        /// <summary>A live progress bar.</summary>
        Live,
    }

    /// <summary>Live on an interactive terminal, else lines.</summary>
    public static Mode Choose(bool json) =>
        json ? Mode.Silent
        : !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive ? Mode.Live
        : Mode.Lines;

    /// <summary>
    /// Runs <paramref name="train"/>, giving it the step and evaluation callbacks of the chosen view.
    /// </summary>
    public static T Run<T>(Mode mode, string title, int totalSteps, Func<Action<long>?, Action<TrainProgress>?, T> train, LatestReadings? readings = null)
    {
        string Describe(TrainProgress p) => TrainingView.Describe(p) + (readings?.Describe() ?? "");
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
                T result = default!;
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(title)}[/]");
                AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("starting", maxValue: totalSteps);
                        result = train(step => task.Value = step, p => task.Description = Markup.Escape(Describe(p)));
                    });
                return result;
        }
    }

    static string Describe(TrainProgress p) =>
        $"step {p.Step,6}/{p.TotalSteps}  loss {p.Loss,8:F4}  train {p.Evaluation.TrainAccuracy:F3}  test {p.Evaluation.TestAccuracy:F3}" +
        (p.GrokStep is long g ? $"  grokked@{g}" : "");
}
