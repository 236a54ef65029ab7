using System.Globalization;
using PhaseScope.Stability;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// The instability forecast as a probe: at each step the stability probe measured, it feeds that step's
/// <see cref="StabilityReading"/> (λ_max(P⁻¹H)/threshold when measured, uᵀHu/uᵀu) and the latest
/// <see cref="AbsorptionReading"/> to <see cref="InstabilityRisk"/> and records the risk, its three parts and the margin's
/// crossing step (<see cref="StabilityMetrics"/>), and an <c>instability_warning</c> event when the rule raises one.
/// Arithmetic on published readings only: no tensor, no graph. Resumable (<see cref="IResumableProbe"/>): the rule's whole
/// history (<see cref="InstabilityRiskState"/>) travels with a resume point and its latest reading is republished, so a resumed
/// run forecasts and warns as the uninterrupted one; a rollback takes the history back to the point's.
/// </summary>
public sealed class InstabilityRiskProbe(InstabilityRiskOptions? options = null) : IResumableProbe
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

    /// <inheritdoc />
    /// <remarks>Doubles as "R" text (exact); the lists comma-separated; the latest reading as its seven fields.</remarks>
    public void SaveState(ProbeState state)
    {
        var r = risk.SaveState();
        state.Set("ratio_steps", string.Join(",", r.RatioSteps.Select(x => x.ToString(CultureInfo.InvariantCulture))));
        state.Set("ratios", Join(r.Ratios));
        state.Set("directional", Join(r.Directional));
        state.Set("parts", Join([r.MarginPart, r.DirectionalPart, r.AbsorptionPart, r.Crossing, r.LastRisk]));
        state.SetOptional("last_warning", r.LastWarning);
        if (r.Latest is { } l) state.Set("latest", Join([l.Step, l.Risk, l.MarginPart, l.DirectionalPart, l.AbsorptionPart, l.CrossingStep, l.Warning ? 1 : 0]));
    }

    /// <inheritdoc />
    /// <remarks>A state without the rule's keys (a point written before the probe kept one) starts the rule afresh.</remarks>
    public void LoadState(ProbeState state)
    {
        double[] parts = Split(state.Text("parts")), latest = Split(state.Text("latest"));
        if (parts.Length is not (0 or 5) || latest.Length is not (0 or 7))
            throw new InvalidDataException($"An instability-risk state holds 5 parts and a 7-field reading; got {parts.Length} and {latest.Length} numbers.");
        if (parts.Length == 0) parts = [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN];
        var reading = latest.Length == 0 ? null
            : new InstabilityRiskReading(checked((long)latest[0]), latest[1], latest[2], latest[3], latest[4], latest[5], latest[6] == 1);
        risk.RestoreState(new InstabilityRiskState([.. Split(state.Text("ratio_steps")).Select(x => checked((long)x))], Split(state.Text("ratios")),
            Split(state.Text("directional")), parts[0], parts[1], parts[2], parts[3], parts[4], state.Long("last_warning"), reading));
    }

    /// <inheritdoc />
    public void Republish(MonitorReadings readings)
    {
        if (risk.Latest is { } r) readings.Publish(r);
    }

    static string Join(IEnumerable<double> values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    static double[] Split(string? text) => string.IsNullOrEmpty(text) ? []
        : [.. text.Split(',').Select(x => double.Parse(x, NumberStyles.Float, CultureInfo.InvariantCulture))];

    /// <summary>The warning's one-line message: the risk, the part that raised it and the cause it points to.</summary>
    public static string Describe(InstabilityRiskReading r, InstabilityRiskOptions o)
    {
        string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("G3", CultureInfo.InvariantCulture);
        string crossing = double.IsFinite(r.CrossingStep) ? $"; the fitted margin reaches 0 at step {F(Math.Round(r.CrossingStep))}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"Instability risk {F(r.Risk)} ≥ {F(o.WarningThreshold)} at step {r.Step} ({r.Cause}): λ_max(P⁻¹H)/threshold in {o.Horizon} steps {F(r.MarginPart)}, uᵀHu/uᵀu growth part {F(r.DirectionalPart)}, absorption part {F(r.AbsorptionPart)}{crossing}.");
    }
}
