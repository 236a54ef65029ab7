using PhaseScope.Monitoring.Descriptors;
using M = PhaseScope.Monitoring.Probes.CurvatureMetrics;

namespace PhaseScope.Monitoring.Probes;

/// <summary>The curvature probe (<see cref="CurvatureProbe"/>) as a family: λ_max(H) and the edge-of-stability margin.</summary>
public static class CurvatureFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("curvature", "Curvature and edge of stability",
        "λ_max(H) of the loss Hessian by Lanczos (power iteration as a check) and the margin S = 2/η − λ_max: gradient descent is stable while S > 0 (Cohen et al., edge of stability).",
        "curvature metrics", "grok runs the curvature probe by default; --cheap-only turns it off and --curvature brings it back")
    {
        VerdictGroup = "seed 003",
        VerdictArguments = ["--curvature"], VerdictSchedules = [("--curvature-every", "100")],
        Charts =
        [
            new("lambda", "Curvature λ_max(H)", "λ_max") { LogY = true },
            new("margin", "Stability margin S = 2/η − λ_max", "S"),
        ],
        Metrics =
        [
            new(M.LambdaMax, "λ_max (Lanczos)", "Largest Hessian eigenvalue by Lanczos on Hessian–vector products.") { Chart = "lambda", Aggregate = MetricAggregate.Max, Indicator = true, Compared = true, Terminal = "λmax" },
            new(M.LambdaMaxPower, "λ_max (power iteration)", "Largest Hessian eigenvalue by power iteration, a check on Lanczos.") { Chart = "lambda", Dash = "dot" },
            new(M.StabilityMargin, "S", "S = 2/η − λ_max; negative means a step longer than the curvature allows.") { Chart = "margin", Aggregate = MetricAggregate.Min, Threshold = 0 },
            new(M.LambdaMin, "λ_min", "Smallest Ritz value of the Lanczos call."),
            new(M.Trace, "Tr H", "Hutchinson estimate of the Hessian trace."),
            new(M.TraceSe, "SE of Tr H", "Standard error of the Hutchinson trace.") { StandardErrorOf = M.Trace },
            new(M.HvpProducts, "Hessian–vector products", "Products spent by the call.") { Integer = true },
            new(M.LanczosIterations, "Lanczos iterations", "Iterations of the Lanczos call.") { Integer = true },
            new(M.LanczosConverged, "Lanczos converged", "1 when the Ritz residual met the tolerance.") { Integer = true },
            new(M.LanczosResidual, "Lanczos residual", "Residual of the top Ritz pair."),
            new(M.PowerIterations, "power iterations", "Iterations of the power-iteration check.") { Integer = true },
            new(M.Tracked, "tracked", "1 when λ_max came from the warm-started tracker rather than a cold call.") { Integer = true },
            new(M.TrackingError, "tracking error", "Error estimate of the warm-started λ_max against a cold call."),
            new(M.RitzPrefix + "*", "Ritz value *", "The j-th largest Ritz value of a cold Lanczos call."),
        ],
    };
}
