using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Monitoring.Probes;

/// <summary>The weight-spectra probe (<see cref="WeightSpectraProbe"/>) as a family (seed 001, Test 7).</summary>
public static class WeightSpectraFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("weights", "Weight spectra per layer",
        "σ₁/σ₂ of every 2-D weight and of each attention operator W_Qᵀ W_K, and the power-law exponent α of each weight's singular-value tail (seed 001, Test 7).",
        "weight spectra", "grok records them by default on evaluation steps; --cheap-only turns them off and --weight-spectra brings them back")
    {
        VerdictGroup = "seed 001, weight spectra",
        Charts =
        [
            new("ratio12", "σ₁/σ₂ per layer", "σ₁/σ₂") { LogY = true },
            new("alpha", "Power-law α per layer", "α") { WhenEmpty = "No power-law α recorded." },
        ],
        Metrics =
        [
            new("weights/*/ratio12", "weights/*", "σ₁/σ₂ of one 2-D weight.") { Chart = "ratio12", Indicator = true },
            new("attn_op/*/ratio12", "attn_op/*", "σ₁/σ₂ of one layer's attention operator M = W_Qᵀ W_K.") { Chart = "ratio12", Indicator = true },
            new("weights/*/alpha", "weights/*", "Power-law exponent α of the σ² density of one weight (continuous MLE, x_min by minimal KS distance).") { Chart = "alpha", Indicator = true },
            new("weights/*/sigma_1", "σ₁ of *", "Largest singular value of one weight."),
            new("weights/*/stable_rank", "stable rank of *", "‖W‖_F²/σ₁² of one weight."),
            new("weights/*/alpha_tail", "α tail size of *", "Singular values in the power-law tail of one weight.") { Integer = true },
            new("attn_op/*/ratio23", "σ₂/σ₃ of attention operator *", "σ₂/σ₃ of one layer's W_Qᵀ W_K.") { Indicator = true },
            new("attn_op/*/sigma_1", "σ₁ of attention operator *", "Largest singular value of W_Qᵀ W_K."),
            new("attn_op/*/sigma_2", "σ₂ of attention operator *", "Second singular value of W_Qᵀ W_K.") { Indicator = true },
            new("attn_op/*/sigma_3", "σ₃ of attention operator *", "Third singular value of W_Qᵀ W_K.") { Indicator = true },
            new("attn_op/*/sigma_4", "σ₄ of attention operator *", "Fourth singular value of W_Qᵀ W_K."),
        ],
        Events = [new("non_finite_weights", "non-finite weights", "A weight held NaN or ±Inf; its spectrum was skipped.")],
    };
}
