using System.Globalization;
using PhaseScope.Stability;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// The instability forecast as a probe: at each step the stability probe measured, it feeds that step's
/// <see cref="StabilityReading"/> (λ_max(P⁻¹H)/threshold when measured, uᵀHu/uᵀu) and the latest
/// <see cref="AbsorptionReading"/> to <see cref="InstabilityRisk"/> and records the risk, its three parts and the margin's
/// crossing step (<see cref="StabilityMetrics"/>), and an <c>instability_warning</c> event when the rule raises one.
/// Arithmetic on published readings only: no tensor, no graph. Its history restarts on a resumed run.
/// </summary>
public sealed class InstabilityRiskProbe(InstabilityRiskOptions? options = null) : IProbe
{
    /// <summary>The event kind of a warning.</summary>
    public const string WarningKind = "instability_warning";

    readonly InstabilityRisk risk = new(options);

    /// <summary>The rule and its latest reading.</summary>
    public InstabilityRisk Rule => risk;

    /// <inheritdoc />
    public string Name => "instability_risk";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.None;
    /// <inheritdoc />
    public ProbeSchedule Schedule => ProbeSchedule.Every(1);
    /// <inheritdoc />
    /// <remarks>It acts at the stability probe's steps, which a budget must not make it miss.</remarks>
    public bool FixedSchedule => true;
    /// <inheritdoc />
    public IReadOnlyList<Type> Consumes => [typeof(StabilityReading), typeof(AbsorptionReading)];
    /// <inheritdoc />
    public IReadOnlyList<Type> Publishes => [typeof(InstabilityRiskReading)];

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        if (context.Readings.Latest<StabilityReading>() is not { } s || s.Step != context.Step) return;
        double threshold = s.PreconditionedLambdaMax + s.Margin;
        double ratio = double.IsFinite(threshold) && threshold > 0 ? s.PreconditionedLambdaMax / threshold : double.NaN;
        double absorbed = context.Readings.Latest<AbsorptionReading>()?.AbsorbedFraction ?? double.NaN;
        var r = risk.Observe(context.Step, ratio, s.Directional?.Sharpness ?? double.NaN, absorbed);
        output.MetricIfFinite(StabilityMetrics.InstabilityRisk, r.Risk);
        output.MetricIfFinite(StabilityMetrics.RiskMarginPart, r.MarginPart);
        output.MetricIfFinite(StabilityMetrics.RiskDirectionalPart, r.DirectionalPart);
        output.MetricIfFinite(StabilityMetrics.RiskAbsorptionPart, r.AbsorptionPart);
        output.MetricIfFinite(StabilityMetrics.MarginCrossingStep, r.CrossingStep);
        context.Readings.Publish(r);
        if (r.Warning) output.Event(WarningKind, Describe(r, risk.Options));
    }

    /// <summary>The warning's one-line message: the risk, the part that raised it and the cause it points to.</summary>
    public static string Describe(InstabilityRiskReading r, InstabilityRiskOptions o)
    {
        string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("G3", CultureInfo.InvariantCulture);
        string crossing = double.IsFinite(r.CrossingStep) ? $"; the fitted margin reaches 0 at step {F(Math.Round(r.CrossingStep))}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"Instability risk {F(r.Risk)} ≥ {F(o.WarningThreshold)} at step {r.Step} ({r.Cause}): λ_max(P⁻¹H)/threshold in {o.Horizon} steps {F(r.MarginPart)}, uᵀHu/uᵀu growth part {F(r.DirectionalPart)}, absorption part {F(r.AbsorptionPart)}{crossing}.");
    }
}
