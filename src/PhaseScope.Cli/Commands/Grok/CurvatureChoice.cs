using System.CommandLine;
using PhaseScope.Cli.Options;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options of seed 003's curvature probe, bound in one place: λ_max(H) by Lanczos
/// (iterations, tolerance, warm tracking), the power-iteration comparison and Hutchinson's trace. On by default with a
/// 64-example Hessian batch; <c>--curvature</c> alone keeps the training batch.
/// </summary>
public sealed class CurvatureChoice
{
    readonly Option<bool> curvature = new("--curvature") { Description = "The curvature probe: λ_max(H) by Lanczos, S = 2/η − λ_max, and I = p·S/d_H (on by default)." };
    readonly Option<int> curvatureEvery = new NumericOption<int>("--curvature-every", "Measure λ_max every N steps (one measurement costs ≈ 20–25 steps on the training batch).", GrokSettings.DefaultCurvatureEvery, NumberRange<int>.AtLeast(1));
    readonly Option<int?> curvatureBatch = new OptionalNumericOption<int>("--curvature-batch", "Examples in the curvature probe's Hessian batch (default: the training batch); each Hessian-vector product costs about two training steps on it.", NumberRange<int>.AtLeast(1).CappedAt(1 << 20, "the examples of one Hessian-vector product"));
    readonly Option<int?> curvatureTrack = new OptionalNumericOption<int>("--curvature-track", "Follow λ_max with 3-product warm starts from the last top eigenvector, a cold Lanczos (and the measured tracking error) every N calls; off by default.", NumberRange<int>.Between(1, 1_000_000));
    readonly Option<int> lanczos = new NumericOption<int>("--lanczos-iterations", "Lanczos iteration cap (tolerance 1e-3 relative).", 20, NumberRange<int>.AtLeast(1).CappedAt(10_000, "Hessian-vector products per call and the Lanczos basis, one parameter vector each"));
    readonly Option<double> lanczosTol = new NumericOption<double>("--lanczos-tolerance", "Lanczos relative residual at which λ_max counts as converged.", 1e-3, new NumberRange<double>(0, 1, MinExclusive: true, MaxExclusive: true));
    readonly Option<int> power = new NumericOption<int>("--power-iterations", "Also run power iteration (seed 003 §11.6) up to N products, for comparison (0: off).", 0, NumberRange<int>.AtLeast(0).CappedAt(1_000_000, "Hessian-vector products per call"));
    readonly Option<int> hutchinson = new NumericOption<int>("--hutchinson", "Hutchinson probes for the Hessian trace (0: off).", 0, NumberRange<int>.AtLeast(0).CappedAt(1_000_000, "Hessian-vector products per call"));

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
