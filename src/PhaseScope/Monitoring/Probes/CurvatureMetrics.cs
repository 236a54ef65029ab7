namespace PhaseScope.Monitoring.Probes;

/// <summary>Metric names of seed 003's curvature probe (<see cref="CurvatureProbe"/>), defined once: the probe writes them and the report, verdict, terminal
/// view and summary read them.</summary>
public static class CurvatureMetrics
{
    /// <summary><c>curvature/hvp_products</c>.</summary>
    public const string HvpProducts = "curvature/hvp_products";
    /// <summary><c>curvature/lambda_max</c>.</summary>
    public const string LambdaMax = "curvature/lambda_max";
    /// <summary><c>curvature/lambda_max_power</c>.</summary>
    public const string LambdaMaxPower = "curvature/lambda_max_power";
    /// <summary><c>curvature/lambda_min</c>.</summary>
    public const string LambdaMin = "curvature/lambda_min";
    /// <summary><c>curvature/lanczos_converged</c>.</summary>
    public const string LanczosConverged = "curvature/lanczos_converged";
    /// <summary><c>curvature/lanczos_iterations</c>.</summary>
    public const string LanczosIterations = "curvature/lanczos_iterations";
    /// <summary><c>curvature/lanczos_residual</c>.</summary>
    public const string LanczosResidual = "curvature/lanczos_residual";
    /// <summary><c>curvature/power_iterations</c>.</summary>
    public const string PowerIterations = "curvature/power_iterations";
    /// <summary><c>curvature/stability_margin</c>.</summary>
    public const string StabilityMargin = "curvature/stability_margin";
    /// <summary><c>curvature/trace</c>.</summary>
    public const string Trace = "curvature/trace";
    /// <summary><c>curvature/trace_se</c>.</summary>
    public const string TraceSe = "curvature/trace_se";
    /// <summary><c>curvature/tracked</c>.</summary>
    public const string Tracked = "curvature/tracked";
    /// <summary><c>curvature/tracking_error</c>.</summary>
    public const string TrackingError = "curvature/tracking_error";
    /// <summary>Prefix of <c>curvature/ritz_j</c>: the j-th largest Ritz value of a cold Lanczos call.</summary>
    public const string RitzPrefix = "curvature/ritz_";
}
