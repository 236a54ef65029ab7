using PhaseScope.Monitoring.Descriptors;
using M = PhaseScope.Monitoring.Probes.ConsolidationMetrics;

namespace PhaseScope.Monitoring.Probes;

/// <summary>Seed 003's consolidation probe (<see cref="ConsolidationProbe"/>) as a family: the dashboard of §12.3.</summary>
public static class ConsolidationFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("consolidation", "Consolidation dashboard (seed 003 §12.3)",
        "C_α = ‖ḡ‖²/Tr Σ̂ and p = C_α/(1 + C_α); p = 0.5 is the seed's transition line. Signal and noise are drawn apart, as the seed's dashboard asks.",
        "consolidation metrics", "grok runs the consolidation probe by default (--consolidation micro|batches chooses how); --cheap-only turns it off")
    {
        VerdictGroup = "seed 003",
        VerdictArguments = ["--consolidation", "micro"], VerdictSchedules = [("--consolidation-every", "10")],
        Charts =
        [
            new("p", "p = C_α / (1 + C_α)", "p"),
            new("c_alpha", "C_α", "C_α") { LogY = true },
            new("signal_noise", "Signal ‖ḡ‖² and noise Tr Σ̂", "squared norm") { LogY = true },
            new("intelligence", "Intelligence coefficient I = p·S/d_H", "I") { WhenEmpty = "I needs the curvature probe (on by default; --cheap-only turns it off, --curvature brings it back): no I recorded." },
            new("tail", "Tail index (Hill) and effective dimensions", "α̂, PR"),
        ],
        Metrics =
        [
            new(M.P, "p", "p = C_α/(1 + C_α) (seed 003 §3–4); p ≥ 0.5 means the mean gradient outweighs its noise. With extra batches it is the deciding p.")
                { Chart = "p", Aggregate = MetricAggregate.FirstCrossing, Threshold = 0.5, Indicator = true, Compared = true, Terminal = "p" },
            new(M.PUnbiased, "p (bias-corrected)", "p of the bias-corrected C_α.") { Chart = "p", Dash = "dot" },
            new(M.PSmoothed, "p smoothed", "The deciding p averaged over the probe's smoothing calls: the series its p_crossed events read.") { Chart = "p", Indicator = true },
            new(M.PStep, "p of the step", "p of C_α at the training batch size (micro-batches: the noise rescaled by k).") ,
            new(M.PStepUnbiased, "p of the step (bias-corrected)", "Bias-corrected p at the training batch size: the deciding p with micro-batches.") { Terminal = "p", Order = -1 },
            new(M.CAlpha, "C_α", "C_α = ‖ḡ‖²/Tr Σ̂: squared norm of the mean gradient over the trace of the gradient covariance (seed 003 §3).") { Chart = "c_alpha", Indicator = true },
            new(M.CAlphaUnbiased, "C_α (bias-corrected)", "C_α with the bias-corrected signal.") { Chart = "c_alpha", Dash = "dot" },
            new(M.CAlphaStep, "C_α of the step", "C_α with the micro-batches' noise rescaled to the training batch (B/k examples per sample: k times the noise)."),
            new(M.CAlphaStepUnbiased, "C_α of the step (bias-corrected)", "Bias-corrected C_α at the training batch size."),
            new(M.Signal, "signal", "‖ḡ‖², the squared norm of the mean gradient.") { Chart = "signal_noise" },
            new(M.SignalUnbiased, "signal (bias-corrected)", "‖ḡ‖² less its expected noise contribution.") { Chart = "signal_noise", Dash = "dot" },
            new(M.Noise, "noise", "Tr Σ̂, the trace of the gradient covariance over the samples.") { Chart = "signal_noise" },
            new(M.Intelligence, "I", "I = p·S/d_H with S = 2/η − λ_max from the curvature probe (seed 003 §6).") { Chart = "intelligence" },
            new(M.TailIndex, "α̂", "Hill estimate α̂ of the tail index of |g|: 1/α̂ = (1/k) Σ log(X₍ᵢ₎/X₍ₖ₊₁₎) (seed 003 §11.5).") { Chart = "tail", Indicator = true },
            new(M.DH, "d_H = clip(α̂, 1, 2)", "d_H = min(d, clip(α̂, 1, 2)) (seed 003 §6.2).") { Chart = "tail", Dash = "dot" },
            new(M.ParticipationRatio, "PR of Σ̂", "Participation ratio (Σλ)²/Σλ² of the gradient samples' covariance Σ̂ (from the n × n Gram of the centred samples; ≤ n − 1): the effective dimension of the gradient noise, beside seed 003 §6.2's d_H.") { Chart = "tail", Order = 1 },
            new(M.TailIndexClipped, "α̂ clipped", "α̂ clipped to [1, 2] (seed 003 §11.5)."),
            new(M.StabilityMargin, "S", "S = 2/η − λ_max as the probe used it for I."),
            new(M.State, "state", "Seed 003's state of the deciding p: 0 failing … 4 strong (§12.1)."),
        ],
        Events =
        [
            new("p_crossed_up", "upward p crossings", "The smoothed deciding p rose above 0.5: the mean gradient now outweighs its noise.") { InSummary = true },
            new("p_crossed_down", "downward p crossings", "The smoothed deciding p fell below 0.5."),
            new("consolidation_undefined", "undefined C_α readings", "C_α was undefined at this step."),
        ],
    };
}
