using PhaseScope.Monitoring.Descriptors;
using M = PhaseScope.Monitoring.Probes.SpectralEdgeMetrics;

namespace PhaseScope.Monitoring.Probes;

/// <summary>Seed 001's spectral-edge probe (<see cref="SpectralEdgeProbe"/>) as a family.</summary>
public static class SpectralEdgeFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("spectral", "Spectral edge (seed 001)",
        "Singular values σ_j of each rolling window of parameter updates, the gap position k* and the gap ratio σ_k*/σ_k*+1 (log axis); gap_opened / gap_collapsed events are marked.",
        "spectral-edge metrics", "grok runs the spectral-edge probe by default; --cheap-only turns it off and --spectral brings it back")
    {
        VerdictGroup = "seed 001, update Gram",
        VerdictArguments = ["--spectral"],
        Charts =
        [
            new("sigma", "σ_j of each window", "σ_j") { LogY = true },
            new("k_star", "Gap position k*", "k*"),
            new("gap_ratio", "Gap ratio σ_k*/σ_k*+1", "gap ratio") { LogY = true },
            new("null_p", "Flat-spectrum null p-value", "p-value") { LogY = true },
        ],
        Metrics =
        [
            new(M.SigmaPrefix + "*", "σ_*", "σ_j = √λ_j(G), G = X Xᵀ the Gram of the window's update rows δ_t = θ_t − θ_t−s (seed 001, Def. 1.3, 6.1).") { Chart = "sigma" },
            new(M.KStar, "k*", "k* = argmax_j σ_j/σ_j+1 over the numerical rank: the number of directions learning concentrates in (seed 001, Def. 6.1).") { Chart = "k_star", Integer = true, Indicator = true, Compared = true, Terminal = "k*" },
            new(M.KStarWeighted, "k* (weighted)", "k*_w = argmax_j (σ_j/Σσ)(σ_j/σ_j+1) (seed 001, Def. 6.3).") { Chart = "k_star", Dash = "dot" },
            new(M.GapRatio, "gap ratio", "R = σ_k*/σ_k*+1: how far the signal directions stand above the rest (seed 001, Def. 6.1).") { Chart = "gap_ratio", Aggregate = MetricAggregate.Max, Indicator = true, Compared = true, Terminal = "R" },
            new(M.NullP, "null p", "p-value of max_j σ_j/σ_j+1 under a flat spectrum (Wishart_W(P, I), seed 001 Prop. 6.4).") { Chart = "null_p" },
            new(M.G23, "g₂₃", "g₂₃ = σ₂² − σ₃² (seed 001, Def. 7.1).") { Indicator = true },
            new(M.Gap, "gap", "σ²_k* − σ²_k*+1 (seed 001, Def. 8.1)."),
            new(M.K95, "k₀.₉₅", "min k with Σ_j≤k σ_j² ≥ 0.95 Σσ² (seed 001, Def. 7.1).") { Integer = true },
            new(M.ParticipationRatio, "PR", "Participation ratio (Σλ)²/Σλ² of the window's Gram eigenvalues λ_j = σ_j²: the effective dimension of the trajectory over the window (≤ W), an independent measure beside seed 003 §6.2's d_H = min(d, α).") { Chart = "k_star", Dash = "dash" },
            new(M.Rank, "rank", "Numerical rank of the window's Gram.") { Integer = true },
            new(M.DeltaSigma, "‖ΔΣ‖_F", "‖ΔΣ‖_F, the change of the window's second-moment matrix Σ = XᵀX when one row enters and one leaves (seed 001, Def. 16.1)."),
            new(M.AboveBbp, "above BBP", "Count of Gram eigenvalues above the pure-noise bulk s²(√P + √W)², s = η√(stride/B) (seed 001 §4.1).") { Integer = true },
            new(M.BbpMargin, "BBP margin", "σ_min² over the bulk edge (seed 001 §4.1)."),
            new(M.Adiabatic, "𝒜", "𝒜 = ‖ΔΣ‖_F/(η‖g‖²) over the watched tensors (seed 001, Def. 34.2); scales like η·stride²."),
            new(M.AdiabaticRegime, "adiabatic regime", "Regime of 𝒜: plateau (< 0.1), transition (≤ 10), forgetting (> 10).") { Integer = true },
            new(M.LossChangeTotal, "loss change", "Σ_j ΔL_j with ΔL_j = −η γ_j a_j b_j, a_j, b_j the train and validation gradients along v_j (seed 001, Thm. 17.1)."),
            new(M.SketchError, "sketch error", "Relative error of the CountSketch Gram against its variance bound."),
            new(M.StabilityDkPrefix + "*", "Davis–Kahan γ_*", "Davis–Kahan γ_j = clamp(1 − c‖ΔΣ‖_F/δ_j, 0, 1) of the j-th direction (seed 001, Def. 16.1)."),
            new(M.StabilityHalfPrefix + "*", "split-half γ̂_*", "Split-half γ̂_j = |⟨v_j⁽¹⁾, v_j⁽²⁾⟩| of the window's two halves (seed 001, Test 8)."),
        ],
        Events =
        [
            new("gap_opened", "gap openings", "R rose to ≥ 1.5 from a closed state: learning concentrated in k* directions (seed 001, Def. 10.4).") { InSummary = true },
            new("gap_collapsed", "gap collapses", "R fell to ≤ 1.2 from an open state (seed 001, Def. 10.4).") { InSummary = true },
            new("k_star_shift", "k* shifts", "A new k* held for 2 windows (seed 001, Def. 10.6).") { InSummary = true },
            new("spectral_update_rejected", "rejected updates", "A non-finite or overflowing update was rejected; the window is unchanged."),
        ],
    };
}
