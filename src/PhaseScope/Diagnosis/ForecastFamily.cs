using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Diagnosis;

/// <summary>The live grok forecast (<see cref="GrokForecastSink"/>) as a family; a run without it shows no section.</summary>
public static class ForecastFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("forecast", "Grok forecast",
        "P(grok within H steps) from the combined predictor (experimental; fitted by 'phasescope verdict', docs/RESULTS.md). Its trust is its held-out score, shown in the summary beside the forecast (the tasks it was fitted on; \"held-out score: not measured\" when no task was held out); the dotted line is the share of the fitting sweep's own cross-validated forecasts in the same bin that grokked, measured on those tasks only.",
        "grok forecast", "grok forecasts by default with the built-in model (--grok-predictor FILE|off)")
    {
        ShownWhenAbsent = false,
        Charts = [new("p_grok", "Grok forecast", "probability")],
        Metrics =
        [
            new(GrokForecastSink.Metric, "P(grok within H steps)", "The combined predictor's probability that the run groks within its horizon H.") { Chart = "p_grok", Threshold = 0.5 },
            new(GrokForecastSink.ObservedMetric, "same-bin share that grokked in the fitting sweep", "Share of the fitting sweep's cross-validated forecasts in the same probability bin that grokked within H: measured on the tasks the predictor was fitted on, not a calibration for other tasks.") { Chart = "p_grok", Dash = "dot" },
        ],
        Events = [new("forecast_failed", "forecast failures", "The forecast threw and is off for the rest of the run.")],
    };
}
