using System.Globalization;
using System.Text.Json;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// What the verdict needs of one stored run: its grid cell (task, operation, seed, weight decay), whether and
/// when it grokked (the first evaluation with test accuracy ≥ the grok threshold the run stored, 0.95 by default: docs/SETUPS.md "The grok step"), the probes' events with the
/// <see cref="BaselineEvents"/> and <see cref="WeightSpectrumEvents"/> derived from its stored series, and the series
/// <see cref="VerdictObservables"/> names (Test 7 tables, lead-time ROC, combined predictor).
/// </summary>
/// <param name="Name">Run name (directory name).</param>
/// <param name="Task">The run's task (<c>grok --task</c>).</param>
/// <param name="Op">Modular operation (null for other tasks).</param>
/// <param name="Seed">Training seed.</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="GrokStep">Grok step (null: never grokked).</param>
/// <param name="Steps">Steps the run took.</param>
/// <param name="Events">Every probe event (the monitor's own bookkeeping and the trainer's are left out) and, from
/// <see cref="Load"/>, the baseline and weight-spectrum events.</param>
/// <param name="Series">Metric series by name (only those <see cref="VerdictObservables.Includes"/> accepts).</param>
public sealed record SweepRun(string Name, string Task, string? Op, int Seed, double WeightDecay, long? GrokStep, long Steps,
    IReadOnlyList<MonitorEvent> Events, IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>> Series)
{
    /// <summary>Event sources that are not indicators: the monitor's bookkeeping (budget plans), the trainer (grokked,
    /// resumed), the multi-task accuracy probe (task_grokked: the outcome, not a predictor) and the forecast's failure notice.</summary>
    public static readonly string[] NonIndicatorSources = [PhaseMonitor.BookkeepingName, "trainer", "task_accuracy", PhaseScope.Diagnosis.GrokForecastSink.Source];

    /// <summary>Multi-task runs: each task's grok step (first evaluation with <c>eval/test_acc/TASK</c> ≥ 0.95; null: never).</summary>
    public IReadOnlyDictionary<string, long?> TaskGrokSteps { get; init; } = new Dictionary<string, long?>();

    /// <summary>True when the run grokked.</summary>
    public bool Grokked => GrokStep is not null;

    /// <summary>The grid cell without the weight decay: grokking and control runs of one cell are paired.</summary>
    public string Cell => $"{Task}/{Op ?? "-"}/{Seed}";

    /// <summary>The value of <paramref name="series"/> at the last record at or before <paramref name="step"/> (null: none).</summary>
    public double? At(string series, long step)
    {
        if (!Series.TryGetValue(series, out var s)) return null;
        double? value = null;
        foreach (var (st, v) in s)
        {
            if (st > step) break;
            value = v;
        }
        return value;
    }

    /// <summary>Reads a finished run (completed, or diverged: a run that did not grok) written by <c>phasescope grok</c>.</summary>
    /// <exception cref="RunStoreException">The directory is not a readable run, or the run is not finished (running, interrupted, failed).</exception>
    /// <param name="directory">The run directory.</param>
    /// <param name="families">The families whose indicators are loaded (default <see cref="PhaseScope.Monitoring.Descriptors.MetricFamilies.BuiltIn"/>).</param>
    public static SweepRun Load(string directory, IReadOnlyList<PhaseScope.Monitoring.Descriptors.IMetricFamily>? families = null)
    {
        using var reader = RunReader.Open(directory);
        using var read = reader.ConsistentRead();
        var info = reader.Info();
        if (info.SummaryJson is null || !RunStatus.IsFinished(info.Status))   // an interrupted or failed run has a summary of the steps it took
            throw new RunStoreException($"{directory} is not finished (status '{info.Status}'): finish it first (e.g. 'phasescope sweep' again, or 'phasescope grok --resume {directory}').");
        using var doc = JsonDocument.Parse(info.SummaryJson);
        var root = doc.RootElement;
        string? Str(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        double? Num(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        var task = Str("task") ?? throw new RunStoreException($"{directory}: the summary names no task; verdict reads runs written by 'phasescope grok'.");
        var names = reader.MetricNames();
        var series = names.Where(n => VerdictObservables.Includes(n, families)).ToDictionary(n => n, n => reader.Series(n));
        var events = reader.Events().Select(e => e.Event).Where(e => !NonIndicatorSources.Contains(e.Source))
            .Concat(BaselineEvents.Derive(series)).Concat(WeightSpectrumEvents.Derive(series)).OrderBy(e => e.Step).ToList();
        const string taskAccuracy = "eval/test_acc/";
        double threshold = PhaseScope.Diagnosis.DiagnosisBuilder.GrokThresholdOf(reader.Config());
        var taskGrokSteps = names.Where(n => n.StartsWith(taskAccuracy, StringComparison.Ordinal)).ToDictionary(
            n => n[taskAccuracy.Length..], n => reader.Series(n).Where(p => p.Value >= threshold).Select(p => (long?)p.Step).FirstOrDefault());
        var outcome = PhaseScope.Diagnosis.RunSummary.Read(root.EnumerateObject().GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Last().Value));
        return new SweepRun(info.Name, task, Str("op"), (int)(Num("seed") ?? 0), Num("weight_decay") ?? double.NaN,
            outcome.GrokStep, (long)(Num("steps") ?? 0), events, series) { TaskGrokSteps = taskGrokSteps };
    }

    /// <summary>Weight decay as the tables print it.</summary>
    public string WeightDecayText => WeightDecay.ToString("G", CultureInfo.InvariantCulture);
}
