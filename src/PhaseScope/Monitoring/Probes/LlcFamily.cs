using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Monitoring.Probes;

/// <summary>The local learning coefficient probe (<see cref="LlcProbe"/>) as a family; off unless asked for, so a run
/// without it shows no section.</summary>
public static class LlcFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("llc", "Local learning coefficient",
        "The local learning coefficient λ̂ (SGLD, grok --llc N) with ± one standard error over chains: Hoogland et al. read its turns as stage boundaries.",
        "local learning coefficient", "grok --llc N estimates it every N steps")
    {
        VerdictGroup = "LLC",
        ShownWhenAbsent = false,
        Charts = [new("lambda_hat", "Local learning coefficient λ̂", "λ̂")],
        Metrics =
        [
            new(LlcProbe.LambdaHatMetric, "λ̂", "λ̂(w*) = nβ(E_w[L_n(w)] − L_n(w*)), nβ = n/log n, by SGLD chains around the step's θ (Lau et al. 2023).") { Chart = "lambda_hat", Indicator = true },
            new(LlcProbe.StandardErrorMetric, "SE", "Standard error of λ̂ over chains.") { Chart = "lambda_hat", Dash = "dot", StandardErrorOf = LlcProbe.LambdaHatMetric },
            new(LlcProbe.ReferenceLossMetric, "reference loss", "L_n(w*) at the step's θ on the reference batches.", "nats"),
            new(LlcProbe.DivergedMetric, "diverged chains", "Chains that blew up (lower the SGLD step size).") { Integer = true },
        ],
        Events =
        [
            new(LlcProbe.TurnEvent, "λ̂ turns", "λ̂ changed direction, each move exceeding twice its standard error: a stage boundary (Hoogland et al.)."),
            new(LlcProbe.DivergedEvent, "diverged LLC estimates", "An SGLD chain blew up; lower the step size."),
        ],
    };
}
