using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Descriptors;
using System.Globalization;

namespace PhaseScope.Cli.Commands.TrainingRun;

/// <summary>
/// A sink that keeps the latest value of every metric its families give a terminal label
/// (<see cref="MetricDescriptor.Terminal"/>: with the built-in families p, λ_max, k*, the gap ratio, m∩ and d₀) and the
/// latest event, so the terminal view can say more than loss and accuracy. Metrics sharing a label show the first one
/// present in the family's order (a micro-batch run's deciding p before the seed's p).
/// </summary>
public sealed class LatestReadings(IReadOnlyList<IMetricFamily>? families = null) : IMonitorSink
{
    readonly IReadOnlyList<MetricDescriptor> shown = (families ?? MetricFamilies.BuiltIn)
        .SelectMany(f => f.Metrics.Where(m => m.Terminal is not null && !m.IsPattern).Select((m, i) => (m, i)).OrderBy(x => x.m.Order).ThenBy(x => x.i).Select(x => x.m))
        .ToList();

    readonly Dictionary<string, double> latest = [];
    MonitorEvent? lastEvent;

    /// <inheritdoc />
    public void Write(IReadOnlyList<MetricRecord> metrics)
    {
        foreach (var m in metrics)
            if (shown.Any(d => d.Name == m.Name)) latest[m.Name] = m.Value;
    }

    /// <inheritdoc />
    public void Write(MonitorEvent monitorEvent) => lastEvent = monitorEvent;

    /// <summary>The run diagnosis whose current phase the view shows (null: none).</summary>
    public PhaseScope.Diagnosis.RunDiagnosis? Diagnosis { get; set; }

    /// <summary>The live grok forecast whose latest probability the view shows (null: off).</summary>
    public PhaseScope.Diagnosis.GrokForecastSink? Forecast { get; set; }

    /// <summary>The latest event, if any.</summary>
    public MonitorEvent? LastEvent => lastEvent;

    /// <summary>(label, formatted value) of every reading known so far, in display order, one per label.</summary>
    public IReadOnlyList<(string Label, string Value)> Readings()
    {
        var parts = new List<(string, string)>();
        foreach (var label in shown.Select(d => d.Terminal!).Distinct())
        {
            var d = shown.FirstOrDefault(m => m.Terminal == label && latest.ContainsKey(m.Name));
            if (d is null) continue;
            double v = latest[d.Name];
            parts.Add((label, d.Integer ? ReadableNumber.Integer(v) : ReadableNumber.Format(v)));
        }
        return parts;
    }

    /// <summary>"  p 0.81  λmax 24.1  last: grokked@1500", or empty when nothing is known yet; a forecast shows beside its
    /// probability the tasks it was fitted on and its held-out score (<see cref="PhaseScope.Diagnosis.GrokPredictor.ScoreText"/>).</summary>
    public string Describe()
    {
        var parts = Readings().Select(r => $"{r.Label} {r.Value}").ToList();
        if (Diagnosis is { } d) parts.Insert(0, $"phase {PhaseScope.Diagnosis.RunPhaseNames.Name(d.Current)}");
        if (Forecast?.Latest is { } f) parts.Add($"P(grok≤{Forecast.Model.Horizon}) {f.Probability.ToString("F2", CultureInfo.InvariantCulture)} ({Forecast.Model.ScoreText()})");
        if (lastEvent is { } e) parts.Add($"last: {e.Kind}@{e.Step}");
        return parts.Count == 0 ? "" : "  " + string.Join("  ", parts);
    }
}
