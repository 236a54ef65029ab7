using System.CommandLine;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options of seed 003's curvature probe, bound in one place (issue 25 item 5): λ_max(H) by Lanczos
/// (iterations, tolerance, warm tracking), the power-iteration comparison and Hutchinson's trace. On by default with a
/// 64-example Hessian batch; <c>--curvature</c> alone keeps the training batch.
/// </summary>
public sealed class CurvatureChoice
{
    readonly Option<bool> curvature = new("--curvature") { Description = "The curvature probe: λ_max(H) by Lanczos, S = 2/η − λ_max, and I = p·S/d_H (on by default)." };
    readonly Option<int> curvatureEvery = new("--curvature-every") { Description = "Measure λ_max every N steps (one measurement costs ≈ 20–25 steps on the training batch).", DefaultValueFactory = _ => GrokSettings.DefaultCurvatureEvery };
    readonly Option<int?> curvatureBatch = new("--curvature-batch") { Description = "Examples in the curvature probe's Hessian batch (default: the training batch); each Hessian-vector product costs about two training steps on it." };
    readonly Option<int?> curvatureTrack = new("--curvature-track") { Description = "Follow λ_max with 3-product warm starts from the last top eigenvector, a cold Lanczos (and the measured tracking error) every N calls; off by default." };
    readonly Option<int> lanczos = new("--lanczos-iterations") { Description = "Lanczos iteration cap (tolerance 1e-3 relative).", DefaultValueFactory = _ => 20 };
    readonly Option<double> lanczosTol = new("--lanczos-tolerance") { Description = "Lanczos relative residual at which λ_max counts as converged.", DefaultValueFactory = _ => 1e-3 };
    readonly Option<int> power = new("--power-iterations") { Description = "Also run power iteration (seed 003 §11.6) up to N products, for comparison (0: off).", DefaultValueFactory = _ => 0 };
    readonly Option<int> hutchinson = new("--hutchinson") { Description = "Hutchinson probes for the Hessian trace (0: off).", DefaultValueFactory = _ => 0 };

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [curvature, curvatureEvery, curvatureBatch, curvatureTrack, lanczos, lanczosTol, power, hutchinson];

    /// <summary><paramref name="s"/> with this probe's settings; <paramref name="all"/>: every family is on by default.</summary>
    public GrokSettings Bind(ParseResult r, GrokSettings s, bool all) => s with
    {
        Curvature = all || r.GetValue(curvature), CurvatureEvery = r.GetValue(curvatureEvery),
        CurvatureBatch = r.GetValue(curvatureBatch) ?? (all && !r.GetValue(curvature) ? GrokSettings.DefaultCurvatureBatch : null), LanczosIterations = r.GetValue(lanczos), CurvatureTrack = r.GetValue(curvatureTrack),
        LanczosTolerance = r.GetValue(lanczosTol), PowerIterations = r.GetValue(power), HutchinsonSamples = r.GetValue(hutchinson),
    };
}
