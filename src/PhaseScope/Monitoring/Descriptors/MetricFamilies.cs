using PhaseScope.Control;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Monitoring.Descriptors;

/// <summary>
/// The families PhaseScope ships, in the order a report shows them. Readers (report, comparison, terminal view) take
/// a list of families and default to this one; a user's own probe brings its family by appending it
/// (<c>[.. MetricFamilies.BuiltIn, myFamily]</c>).
/// </summary>
public static class MetricFamilies
{
    /// <summary>Every built-in family.</summary>
    public static IReadOnlyList<IMetricFamily> BuiltIn { get; } =
    [
        TrainingFamily.Family,
        NormsFamily.Family,
        ForecastFamily.Family,
        LlcFamily.Family,
        ConsolidationFamily.Family,
        CurvatureFamily.Family,
        StabilityFamily.Family,
        ControlFamily.Family,
        SpectralEdgeFamily.Family,
        MomentsFamily.Family,
        WeightSpectraFamily.Family,
        DiagnosisFamily.Family,
        MonitorFamily.Family,
    ];

    /// <summary>The descriptor of the stored series <paramref name="metric"/> (exact names before patterns), or null.</summary>
    public static MetricDescriptor? Describe(string metric, IReadOnlyList<IMetricFamily>? families = null)
    {
        var all = (families ?? BuiltIn).SelectMany(f => f.Metrics).ToList();
        return all.FirstOrDefault(m => !m.IsPattern && m.Name == metric) ?? all.FirstOrDefault(m => m.IsPattern && m.Matches(metric));
    }

    /// <summary>The family that declares the stored series <paramref name="metric"/> (an exact name before a pattern), or null.</summary>
    public static IMetricFamily? FamilyOf(string metric, IReadOnlyList<IMetricFamily>? families = null)
    {
        var all = families ?? BuiltIn;
        return all.FirstOrDefault(f => f.Metrics.Any(m => !m.IsPattern && m.Name == metric)) ?? all.FirstOrDefault(f => f.Metrics.Any(m => m.IsPattern && m.Matches(metric)));
    }

    /// <summary>The descriptor of event kind <paramref name="kind"/>, or null.</summary>
    public static EventDescriptor? DescribeEvent(string kind, IReadOnlyList<IMetricFamily>? families = null) =>
        (families ?? BuiltIn).SelectMany(f => f.Events).FirstOrDefault(e => e.Kind == kind);
}
