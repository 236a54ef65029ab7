using System.Globalization;
using PhaseScope.Monitoring;

namespace PhaseScope.Diagnosis;

/// <summary>
/// Runs a <see cref="GrokPredictor"/> live (experimental): a monitor sink that keeps the latest reading of each
/// of the predictor's features and, at every evaluation (when <c>eval/test_acc</c> arrives, the step the predictor was
/// fitted on), records <c>forecast/p_grok</c> = P(grok within H steps) and <c>forecast/p_grok_observed</c>, the share of
/// held-out steps with a similar prediction that did grok within H (the calibration bin's observed frequency: what the
/// probability has been worth). A failure is reported once as <c>forecast_failed</c> and the forecast stops; training
/// goes on.
/// </summary>
public sealed class GrokForecastSink(GrokPredictor model, Action<IReadOnlyList<MetricRecord>> record, Action<MonitorEvent> emit) : IMonitorSink
{
    readonly Dictionary<string, double> latest = [];
    readonly HashSet<string> features = [.. model.Features];
    bool failed, recording;

    /// <summary>Source of the sink's one event, <c>forecast_failed</c>.</summary>
    public const string Source = "forecast";

    /// <summary>Metric of the predicted probability.</summary>
    public const string Metric = "forecast/p_grok";
    /// <summary>Metric of the calibration bin's observed frequency.</summary>
    public const string ObservedMetric = "forecast/p_grok_observed";

    /// <summary>The model.</summary>
    public GrokPredictor Model => model;

    /// <summary>The latest forecast (step, P, calibration bin), or null before the first evaluation.</summary>
    public (long Step, double Probability, GrokPredictor.Bin? Bin)? Latest { get; private set; }

    /// <summary>"P(grok within 500 steps) 0.62 (experimental; fitted on add, sub; held-out score: not measured)": the
    /// probability beside where it may be trusted (<see cref="GrokPredictor.ScoreText"/>), not beside the calibration
    /// share of its fitting sweep, which says nothing about other tasks.</summary>
    public string? Describe() => Latest is not { } l ? null
        : $"P(grok within {model.Horizon} steps) {l.Probability.ToString("F2", CultureInfo.InvariantCulture)} (experimental; {model.ScoreText()})";

    /// <summary>Restores the latest feature readings from a resumed run's stored metrics (up to its resume point), without
    /// recording anything: the forecasts after the resume are then those of the uninterrupted run.</summary>
    public void Seed(IEnumerable<MetricRecord> stored)
    {
        foreach (var m in stored.OrderBy(m => m.Step))
            if (features.Contains(m.Name) && double.IsFinite(m.Value)) latest[m.Name] = m.Value;
    }

    /// <inheritdoc />
    public void Write(IReadOnlyList<MetricRecord> metrics)
    {
        if (failed || recording) return;
        try
        {
            long? evaluation = null;
            foreach (var m in metrics)
            {
                if (features.Contains(m.Name) && double.IsFinite(m.Value)) latest[m.Name] = m.Value;
                if (m.Name == EvaluationMetrics.TestAcc) evaluation = m.Step;
            }
            if (evaluation is not long step) return;
            double p = model.Probability(f => latest.TryGetValue(f, out var v) ? v : null);
            var bin = model.BinOf(p);
            Latest = (step, p, bin);
            var records = new List<MetricRecord> { new(step, Metric, p) };
            if (bin is not null) records.Add(new(step, ObservedMetric, bin.Observed));
            recording = true;
            try { record(records); }
            finally { recording = false; }
        }
        catch (Exception e)
        {
            failed = true;
            emit(new MonitorEvent(metrics.Count > 0 ? metrics[0].Step : 0, "forecast_failed", Source,
                $"The grok forecast threw {e.GetType().Name}: {EventText.OneLine(e.Message)}. It is off for the rest of the run; training goes on."));
        }
    }

    /// <inheritdoc />
    public void Write(MonitorEvent monitorEvent) { }
}
