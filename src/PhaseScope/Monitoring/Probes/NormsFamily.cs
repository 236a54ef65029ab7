using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Monitoring.Probes;

/// <summary>The cheap probes' norms as a family (<see cref="CheapProbes"/>): gradient norm, parameter norm, update size and
/// distance from initialisation. Under weight decay a falling ‖θ‖ is the classic sign that the network trades its
/// memorising solution for a smaller, generalising one (Liu et al., Omnigrok), so these are drawn beside the loss.</summary>
public static class NormsFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("norms", "Norms and update size",
        "The cheap probes, every step: ‖g‖ (before clipping), ‖θ‖ and ‖θ − θ₀‖ (a weight-norm drop under weight decay often comes with grokking), and the size ‖θ_t − θ_t−1‖ of each update.",
        "norm metrics", "every run records them unless the cheap probes were left out of the monitor")
    {
        VerdictGroup = "baseline",
        Charts =
        [
            new("gradient", "Gradient norm ‖g‖", "‖g‖") { LogY = true },
            new("weights", "Weight norm ‖θ‖ and distance from init ‖θ − θ₀‖", "norm"),
            new("update", "Update size ‖θ_t − θ_t−1‖", "‖Δθ‖") { LogY = true },
        ],
        Metrics =
        [
            new("grad_norm", "‖g‖", "Euclidean norm of the whole gradient after backward, before clipping.") { Chart = "gradient" },
            new("param_norm", "‖θ‖", "Euclidean norm of all parameters; falls under weight decay as the memorising solution is traded for a generalising one.") { Chart = "weights", Aggregate = MetricAggregate.Last, Indicator = true, Compared = true },
            new("dist_from_init", "‖θ − θ₀‖", "Euclidean distance of the parameters from their values at initialisation.") { Chart = "weights", Dash = "dot", Aggregate = MetricAggregate.Last },
            new("update_norm", "‖Δθ‖", "Euclidean norm of one optimiser step's change of the parameters.") { Chart = "update" },
            new("grad_norm/*", "‖g‖ of *", "Gradient norm of one parameter tensor."),
            new("param_norm/*", "‖θ‖ of *", "Norm of one parameter tensor."),
            new("dist_from_init/*", "‖θ − θ₀‖ of *", "Distance of one parameter tensor from its initial value."),
            new("update_norm/*", "‖Δθ‖ of *", "Update size of one parameter tensor."),
        ],
        Events =
        [
            new("non_finite_gradient", "non-finite gradients", "A gradient turned NaN or infinite."),
            new("finite_gradient", "gradient recoveries", "Gradients are finite again."),
            new("non_finite_parameters", "non-finite parameters", "A parameter turned NaN or infinite."),
            new("finite_parameters", "parameter recoveries", "Parameters are finite again."),
            new("non_finite_update", "non-finite updates", "An update turned NaN or infinite."),
            new("finite_update", "update recoveries", "Updates are finite again."),
        ],
    };
}
