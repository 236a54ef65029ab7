using PhaseScope.Monitoring.Descriptors;
using M = PhaseScope.Monitoring.Probes.MomentsMetrics;

namespace PhaseScope.Monitoring.Probes;

/// <summary>Seed 000's moments probe (<see cref="MomentsProbe"/>) as a family. Its snapshots (coupling surface,
/// spectral plane, rank–rank sample) are not series; the report draws them after the family's charts.</summary>
public static class MomentsFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("moments", "Moments and coupling (seed 000)",
        "m∩ = |J_max ∩ I_max| (≥ 1 ordered), d₀ = log(θ_max g_max) − max log|θ_i g_i|, Q̂_α(K) = −C(K,K)/log K and Spearman's ρ of |θ| and |g| over steps; the coupling surface C(k,l), the spectral plane (λ, μ) and the rank–rank sample at chosen steps.",
        "moments metrics", "grok runs the moments probe by default; --cheap-only turns it off and --moments brings it back")
    {
        VerdictGroup = "seed 000",
        VerdictArguments = ["--moments"],
        Charts =
        [
            new("m_cap_d0", "m∩, d₀, m∩(τ) and τ*", "value"),
            new("q_hat", "Q̂_α(K) = −C(K,K)/log K", "Q̂_α"),
            new("rank", "Rank correlation and origin mass", "value") { WhenEmpty = "No Spearman/origin-mass series (the moments probe ran without snapshots)." },
        ],
        Metrics =
        [
            new(M.MCap, "m∩", "m∩ = |J_max ∩ I_max|: parameters of largest |θ| that also have the largest |g|; ≥ 1 is the ordered phase (seed 000, Thm 4.7).") { Chart = "m_cap_d0", Integer = true, Indicator = true, Compared = true, Terminal = "m∩" },
            new(M.D0, "d₀", "d₀ = log(θ_max g_max) − max_i log(|θ_i||g_i|); for m∩ = 0, C(k,k)/k → −d₀ (seed 000).") { Chart = "m_cap_d0", Indicator = true, Compared = true, Terminal = "d0" },
            new(M.QHatPrefix + "*", "K = *", "Q̂_α(K) = −C(K,K)/log K of order K (seed 000, Cor. 6.4); a sudden rise signals phase reversal (§6.3).") { Chart = "q_hat", Indicator = true },
            new(M.MCapTolPrefix + "*", "m∩(τ = *)", "m∩(τ) = |J_max(τ) ∩ I_max(τ)| with J_max(τ) = {i : |θ_i| ≥ (1−τ)θ_max}, I_max(τ) likewise for |g|: the strict m∩ of seed 000's Thm 4.8 is τ = 0.") { Chart = "m_cap_d0", Order = 2, Dash = "dash", Integer = true },
            new(M.MTolPrefix + "*", "|J_max(τ = *)|", "|J_max(τ)| = |{i : |θ_i| ≥ (1−τ)θ_max}|, the parameters within τ of the largest magnitude.") { Integer = true },
            new(M.MGTolPrefix + "*", "|I_max(τ = *)|", "|I_max(τ)| = |{i : |g_i| ≥ (1−τ)g_max}|, the gradients within τ of the largest.") { Integer = true },
            new(M.TauStar, "τ*", "τ* = 1 − max_i min(|θ_i|/θ_max, |g_i|/g_max): the smallest relative tolerance with m∩(τ) ≥ 1; 1 − e^(−d₀/2) ≤ τ* ≤ 1 − e^(−d₀).") { Chart = "m_cap_d0", Order = 3, Dash = "dot" },
            new(M.Spearman, "Spearman ρ(|θ|, |g|)", "Spearman's rank correlation of |θ| and |g| (seed 000, fig. 4).") { Chart = "rank" },
            new(M.OriginMass, "mass at the plane's origin cell", "Share of (θ, g) pairs in the spectral plane's origin cell (seed 000, fig. 5).") { Chart = "rank", Dash = "dot" },
            new(M.CDiagPrefix + "*", "C(*, *)", "Diagonal coupling C(K, K) of order K (seed 000)."),
            new(M.Phase, "phase", "0 ordered, 1 quasi-ordered, 2 disordered (seed 000 §5).") { Integer = true },
            new(M.Beta, "β", "β = log θ_max (seed 000, Thm 2.2, eq. 3)."),
            new(M.BetaG, "β_g", "β_g = log g_max (seed 000, Thm 3.2, eq. 14)."),
            new(M.Topological, "topological", "log(n·m∩/(m·m_g)), the limit of C(k, l) for m∩ ≥ 1 (seed 000, Thm 4.7 i)."),
        ],
        Events =
        [
            new("order_gained", "order gains", "m∩ rose from 0 to ≥ 1: a parameter of largest magnitude now also has the largest gradient (ordered phase, seed 000 Thm 4.8)."),
            new("order_lost", "order losses", "m∩ fell to 0: the largest parameters and the largest gradients are disjoint (disordered phase)."),
            new("q_hat_jump", "Q̂_α jumps", "Q̂_α at the largest order moved by at least the jump threshold × max(1, |Q̂_α|) (seed 000 §6.3)."),
            new("non_finite_values", "non-finite moments inputs", "θ or g held NaN or ±Inf; the call recorded no moments."),
        ],
    };
}
