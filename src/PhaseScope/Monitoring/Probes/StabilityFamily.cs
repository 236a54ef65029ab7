using PhaseScope.Monitoring.Descriptors;
using M = PhaseScope.Monitoring.Probes.StabilityMetrics;

namespace PhaseScope.Monitoring.Probes;

/// <summary>The stability probes (<see cref="StabilityProbe"/>, <see cref="AbsorptionProbe"/>) as a family: the optimizer's own
/// stability margin, the sharpness along the update, and softmax absorption (docs/INSTABILITY.md).</summary>
public static class StabilityFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("stability", "Stability as the optimizer sees it",
        "λ_max(P⁻¹H) with AdamW's preconditioner P = diag(√v̂ + ε) against its threshold c₁(1 + β₁)(2 − ηw)/((1 − β₁)η) (Cohen et al. 2022), the sharpness uᵀHu/uᵀu along each update, and the share of training examples whose correct-class softmax gradient float32 rounds to zero (Prieto et al. 2025).",
        "stability metrics", "grok --stability records them")
    {
        ShownWhenAbsent = false,
        Charts =
        [
            new("preconditioned", "Preconditioned sharpness λ_max(P⁻¹H) and threshold", "λ") { LogY = true },
            new("directional", "Sharpness along the update uᵀHu/uᵀu", "uᵀHu/uᵀu"),
            new("absorption", "Softmax absorption (share of training examples)", "share"),
            new("logit_margin", "Logit margin z_c − max_{j≠c} z_j", "margin"),
            new("risk", "Instability risk and its parts (1: a spike expected)", "risk"),
        ],
        Metrics =
        [
            new(M.PreconditionedLambdaMax, "λ_max(P⁻¹H)", "Largest eigenvalue of the preconditioned Hessian P⁻¹H (Lanczos on D^{1/2}HD^{1/2}, D = P⁻¹), tracked between calls.") { Chart = "preconditioned", Aggregate = MetricAggregate.Max, Terminal = "λP" },
            new(M.Threshold, "threshold", "The optimizer's linear stability threshold on λ_max(P⁻¹H): c₁(1 + β₁)(2 − ηw)/((1 − β₁)η) for AdamW.") { Chart = "preconditioned", Dash = "dash" },
            new(M.Margin, "margin", "Threshold − λ_max(P⁻¹H); negative means the frozen-preconditioner iteration is linearly unstable.") { Aggregate = MetricAggregate.Min, Threshold = 0 },
            new(M.SharpnessRatio, "λ_max(P⁻¹H) / threshold", "1 at the edge of stability.") { Aggregate = MetricAggregate.Max },
            new(M.DirectionalSharpness, "uᵀHu/uᵀu", "Hessian curvature along the update u = θ_t − θ_{t−1}, at θ_t on the probe's fixed batch.") { Chart = "directional", Aggregate = MetricAggregate.Max },
            new(M.DirectionalSlope, "gᵀu", "Slope of the loss along the update at θ_t (negative: still a descent direction)."),
            new(M.DirectionalModelChange, "gᵀu + ½uᵀHu", "The quadratic model's loss change if the update were repeated from θ_t; positive: it would raise the loss."),
            new(M.AbsorbedFraction, "absorbed share", "Share of training examples whose correct-class log-softmax is exactly 0 in the training dtype: loss and correct-class gradient rounded to zero.") { Chart = "absorption", Aggregate = MetricAggregate.Max, Terminal = "abs" },
            new(M.AbsorbedRuleFraction, "absorbed share (rule)", "Share with S = Σ_{j≠c} e^{z_j − z_c} ≤ 2⁻²⁴ (float32), computed in float64.") { Chart = "absorption", Dash = "dot" },
            new(M.LargestMargin, "largest logit margin", "max over training examples of z_c − max_{j≠c} z_j; float32 absorbs a lone runner-up beyond 24 ln 2 ≈ 16.6.") { Chart = "logit_margin", Aggregate = MetricAggregate.Max },
            new(M.MedianMargin, "median logit margin", "Median over training examples of z_c − max_{j≠c} z_j.") { Chart = "logit_margin", Dash = "dot" },
            new(M.Tracked, "tracked", "1 when λ_max(P⁻¹H) came from the warm start.") { Integer = true },
            new(M.HvpProducts, "Hessian–vector products", "Products spent by the preconditioned call.") { Integer = true },
            new(M.InstabilityRisk, "instability risk", "Largest of the three parts below; 1 is where a loss spike is expected, and reaching the warning threshold from below raises instability_warning.") { Chart = "risk", Aggregate = MetricAggregate.Max, Threshold = 1 },
            new(M.RiskMarginPart, "margin part", "λ_max(P⁻¹H)/threshold on a least-squares line through the last 3 readings, extrapolated 100 steps ahead: ≥ 1 when the fitted margin reaches 0 within them.") { Chart = "risk", Dash = "dash" },
            new(M.RiskDirectionalPart, "directional part", "ln(s/s̃)/ln G: s = uᵀHu/uᵀu, s̃ its median over the previous 20 readings; 1 when the sharpness along the update grew G-fold.") { Chart = "risk", Dash = "dot" },
            new(M.RiskAbsorptionPart, "absorption part", "Absorbed share of training examples / 1 %: 1 at the numerical label's threshold.") { Chart = "risk", Dash = "dashdot" },
            new(M.MarginCrossingStep, "margin crossing step", "The step at which the fitted line of λ_max(P⁻¹H)/threshold reaches 1 (recorded while it rises).") { Integer = true },
        ],
        Events =
        [
            new(InstabilityRiskProbe.WarningKind, "instability warnings", "The instability risk reached its warning threshold from below: the margin's trend, the sharpness along the update or softmax absorption points to a loss spike ahead; the message names the part and the cause (curvature or numerical)."),
        ],
    };
}
