using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Diagnosis;

/// <summary>The live grok forecast (<see cref="GrokForecastSink"/>) as a family; a run without it shows no section.</summary>
public static class ForecastFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("forecast", "Grok forecast",
        "P(grok within H steps) from the combined predictor (experimental; fitted and cross-validated by 'phasescope verdict', docs/RESULTS.md) beside how often held-out forecasts like it came true.",
        "grok forecast", "grok forecasts by default with the built-in model (--grok-predictor FILE|off)")
    {
        ShownWhenAbsent = false,
        Charts = [new("p_grok", "Grok forecast", "probability")],
        Metrics =
        [
            new(GrokForecastSink.Metric, "P(grok within H steps)", "The combined predictor's probability that the run groks within its horizon H.") { Chart = "p_grok", Threshold = 0.5 },
            new(GrokForecastSink.ObservedMetric, "observed share of such forecasts that came true", "Share of held-out forecasts of the same probability bin that came true.") { Chart = "p_grok", Dash = "dot" },
        ],
        Events = [new("forecast_failed", "forecast failures", "The forecast threw and is off for the rest of the run.")],
    };
}
