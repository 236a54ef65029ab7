using System.Globalization;
using System.Text.RegularExpressions;
using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Diagnosis;

/// <summary>The run diagnosis's events (<see cref="RunDiagnosis"/>) as a family: it records no series of its own, so it
/// has no section; the report's event summary and the phase band read its events.</summary>
public static partial class DiagnosisFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("diagnosis", "Run diagnosis",
        "The phase timeline and its evidence: loss spikes, divergence, the stability margin.",
        "diagnosis events", "every run is diagnosed")
    {
        ShownWhenAbsent = false,
        Events =
        [
            new("loss_spike", "loss spikes", "The training loss rose above its threshold × the median of the previous measurements (and enough robust standard deviations of log loss about its trend).")
                { Magnitude = SpikeRatio, MagnitudeFormat = "×{0}" },
            new("loss_spike_ended", "ended loss spikes", "The loss came back to its baseline."),
            new("diverging", "divergence warnings", "The loss kept rising: the run is diverging."),
            new("phase_entered", "phase changes", "The diagnosis entered a new phase (the coloured band on top of each chart)."),
            new("stability_margin_negative", "negative stability margins", "S = 2/η − λ_max fell below 0: steps longer than plain gradient descent's curvature limit (AdamW's is on λ_max(P⁻¹H), docs/INSTABILITY.md)."),
            new("stability_margin_restored", "restored stability margins", "S = 2/η − λ_max is ≥ 0 again."),
            new("diagnosis_failed", "diagnosis failures", "The diagnosis threw and is off for the rest of the run."),
        ],
    };

    /// <summary>A loss spike's ratio to its baseline, read from its message ("… is 1.09E+5× its median …").</summary>
    static double? SpikeRatio(Monitoring.MonitorEvent e) =>
        RatioPattern().Match(e.Message) is { Success: true } m && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) ? r : null;

    [GeneratedRegex(@" is ([0-9.eE+\-]+)× its median")]
    private static partial Regex RatioPattern();
}
