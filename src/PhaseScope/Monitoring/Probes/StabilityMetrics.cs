namespace PhaseScope.Monitoring.Probes;

/// <summary>Metric names of the stability probes (<see cref="StabilityProbe"/>, <see cref="AbsorptionProbe"/>), defined once.</summary>
public static class StabilityMetrics
{
    /// <summary><c>stability/directional_sharpness</c>: uᵀHu/uᵀu along the step's update u.</summary>
    public const string DirectionalSharpness = "stability/directional_sharpness";
    /// <summary><c>stability/directional_slope</c>: gᵀu.</summary>
    public const string DirectionalSlope = "stability/directional_slope";
    /// <summary><c>stability/directional_model_change</c>: gᵀu + ½uᵀHu.</summary>
    public const string DirectionalModelChange = "stability/directional_model_change";
    /// <summary><c>stability/preconditioned_lambda_max</c>: λ_max(P⁻¹H).</summary>
    public const string PreconditionedLambdaMax = "stability/preconditioned_lambda_max";
    /// <summary><c>stability/threshold</c>: the optimizer's linear stability threshold.</summary>
    public const string Threshold = "stability/threshold";
    /// <summary><c>stability/margin</c>: threshold − λ_max(P⁻¹H).</summary>
    public const string Margin = "stability/margin";
    /// <summary><c>stability/sharpness_ratio</c>: λ_max(P⁻¹H) / threshold.</summary>
    public const string SharpnessRatio = "stability/sharpness_ratio";
    /// <summary><c>stability/tracked</c>: 1 when λ_max(P⁻¹H) came from the warm start.</summary>
    public const string Tracked = "stability/tracked";
    /// <summary><c>stability/hvp_products</c>: Hessian-vector products of the call.</summary>
    public const string HvpProducts = "stability/hvp_products";
    /// <summary><c>stability/absorbed_fraction</c>: share of training examples whose correct-class gradient is exactly 0.</summary>
    public const string AbsorbedFraction = "stability/absorbed_fraction";
    /// <summary><c>stability/absorbed_rule_fraction</c>: share for which the float64 rule S ≤ u holds.</summary>
    public const string AbsorbedRuleFraction = "stability/absorbed_rule_fraction";
    /// <summary><c>stability/largest_margin</c>: max over training examples of z_c − max_{j≠c} z_j.</summary>
    public const string LargestMargin = "stability/largest_margin";
    /// <summary><c>stability/median_margin</c>: the median of that margin.</summary>
    public const string MedianMargin = "stability/median_margin";
    /// <summary><c>stability/instability_risk</c>: the forecast's risk, the largest of its three parts (1: a spike is expected).</summary>
    public const string InstabilityRisk = "stability/instability_risk";
    /// <summary><c>stability/risk_margin_part</c>: λ_max(P⁻¹H)/threshold fitted and extrapolated over the horizon.</summary>
    public const string RiskMarginPart = "stability/risk_margin_part";
    /// <summary><c>stability/risk_directional_part</c>: ln(s/s̃)/ln G of the directional sharpness over its recent median.</summary>
    public const string RiskDirectionalPart = "stability/risk_directional_part";
    /// <summary><c>stability/risk_absorption_part</c>: the absorbed share over the numerical threshold.</summary>
    public const string RiskAbsorptionPart = "stability/risk_absorption_part";
    /// <summary><c>stability/margin_crossing_step</c>: the step at which the fitted sharpness ratio reaches 1.</summary>
    public const string MarginCrossingStep = "stability/margin_crossing_step";
}
