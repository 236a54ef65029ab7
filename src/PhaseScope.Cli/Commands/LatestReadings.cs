using PhaseScope.Monitoring.Probes;
using System.Globalization;
using PhaseScope.Monitoring;

namespace PhaseScope.Cli.Commands;

/// <summary>
/// A sink that keeps the latest value of the few family metrics the progress line shows (p of seed 003,
/// λ_max, m∩ and d₀ of seed 000, k* and the gap ratio of seed 001) and the latest event, so the terminal view can say more than loss and accuracy.
/// </summary>
public sealed class LatestReadings : IMonitorSink
{
    static readonly (string Metric, string Label, string Format)[] Shown =
    [
        (ConsolidationMetrics.PStepUnbiased, "p", "F2"),
        (CurvatureMetrics.LambdaMax, "λmax", "G3"),
        (MomentsMetrics.MCap, "m∩", "F0"),
        (MomentsMetrics.D0, "d0", "F2"),
        (SpectralEdgeMetrics.KStar, "k*", "F0"),
        (SpectralEdgeMetrics.GapRatio, "R", "G3"),
    ];

    static readonly HashSet<string> Tracked = [.. Shown.Select(s => s.Metric), ConsolidationMetrics.P];

    readonly Dictionary<string, double> latest = [];
    MonitorEvent? lastEvent;

    /// <inheritdoc />
    public void Write(IReadOnlyList<MetricRecord> metrics)
    {
        foreach (var m in metrics)
            if (Tracked.Contains(m.Name)) latest[m.Name] = m.Value;
    }

    /// <inheritdoc />
    public void Write(MonitorEvent monitorEvent) => lastEvent = monitorEvent;

    /// <summary>The run diagnosis whose current phase the view shows (null: none).</summary>
    public PhaseScope.Diagnosis.RunDiagnosis? Diagnosis { get; set; }

    /// <summary>The live grok forecast whose latest probability the view shows (null: off).</summary>
    public PhaseScope.Diagnosis.GrokForecastSink? Forecast { get; set; }

    /// <summary>The latest event, if any.</summary>
    public MonitorEvent? LastEvent => lastEvent;

    /// <summary>(label, formatted value) of every reading known so far, in display order.</summary>
    public IReadOnlyList<(string Label, string Value)> Readings()
    {
        var parts = new List<(string, string)>();
        foreach (var (metric, label, format) in Shown)
        {
            // Extra-batch runs have no p_step_unbiased; their deciding p is consolidation/p.
            var name = metric == ConsolidationMetrics.PStepUnbiased && !latest.ContainsKey(metric) ? ConsolidationMetrics.P : metric;
            if (latest.TryGetValue(name, out var v)) parts.Add((label, v.ToString(format, CultureInfo.InvariantCulture)));
        }
        return parts;
    }

    /// <summary>"  p 0.81  λmax 24.1  last: grokked@1500", or empty when nothing is known yet.</summary>
    public string Describe()
    {
        var parts = Readings().Select(r => $"{r.Label} {r.Value}").ToList();
        if (Diagnosis is { } d) parts.Insert(0, $"phase {PhaseScope.Diagnosis.RunPhaseNames.Name(d.Current)}");
        if (Forecast?.Latest is { } f) parts.Add($"P(grok≤{Forecast.Model.Horizon}) {f.Probability.ToString("F2", CultureInfo.InvariantCulture)}");
        if (lastEvent is { } e) parts.Add($"last: {e.Kind}@{e.Step}");
        return parts.Count == 0 ? "" : "  " + string.Join("  ", parts);
    }
}
