using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options of seed 003's curvature probe, bound in one place: λ_max(H) by Lanczos
/// (iterations, tolerance, warm tracking), the power-iteration comparison and Hutchinson's trace. On by default with a
/// 64-example Hessian batch; <c>--curvature</c> alone keeps the training batch. The defaults are this module's
/// constants; <c>forget</c> builds its probe with <see cref="ProbeOptions"/>.
/// </summary>
public sealed class CurvatureChoice : IGrokModule
{
    /// <summary>The default interval of λ_max: one Lanczos call on the training batch costs ≈ 20–25 training steps on the
    /// reference model (docs/PERFORMANCE.md), so every 2,000 steps is ≈ 1.1 % of training (every 100 would be ≈ 25 %).</summary>
    public const int DefaultEvery = 2000;
    /// <summary>Examples in the Hessian batch of a curvature probe that is on by default (not asked for by --curvature):
    /// ≈ 8× cheaper than the 512-example training batch, a noisier λ_max (README).</summary>
    public const int DefaultBatch = 64;
    /// <summary>Lanczos iteration cap.</summary>
    public const int DefaultLanczosIterations = 20;
    /// <summary>Lanczos relative residual at which λ_max counts as converged.</summary>
    public const double DefaultLanczosTolerance = 1e-3;

    /// <summary>The probe's options: λ_max every <paramref name="every"/> steps on a Hessian batch of <paramref name="batch"/>
    /// examples (null: the training batch), tracked with a cold check every <paramref name="track"/> calls (null: cold every call).</summary>
    public static CurvatureOptions ProbeOptions(int every, long seed, int? batch, int iterations = DefaultLanczosIterations,
        double tolerance = DefaultLanczosTolerance, int power = 0, int hutchinson = 0, int? track = null) => new()
    {
        Schedule = ProbeSchedule.Every(every), MaxIterations = iterations, Tolerance = tolerance, PowerIterations = power,
        HutchinsonSamples = hutchinson, Seed = seed, BatchSize = batch,
        Tracker = track is int t ? new PhaseScope.Consolidation.LambdaMaxTracker(checkEvery: t) : null,
    };

    /// <inheritdoc/>
    public SettingsSection Section { get; } = SettingsSection.Of("curvature", nameof(GrokSettings.Curvature), nameof(GrokSettings.CurvatureEvery),
        nameof(GrokSettings.LanczosIterations), nameof(GrokSettings.CurvatureBatch), nameof(GrokSettings.CurvatureTrack),
        nameof(GrokSettings.LanczosTolerance), nameof(GrokSettings.PowerIterations), nameof(GrokSettings.HutchinsonSamples));

    readonly Option<bool> curvature = new("--curvature") { Description = "The curvature probe: λ_max(H) by Lanczos, S = 2/η − λ_max, and I = p·S/d_H (on by default)." };
    readonly Option<int> curvatureEvery = new NumericOption<int>("--curvature-every", "Measure λ_max every N steps (one measurement costs ≈ 20–25 steps on the training batch).", DefaultEvery, NumberRange<int>.AtLeast(1));
    readonly Option<int?> curvatureBatch = new OptionalNumericOption<int>("--curvature-batch", "Examples in the curvature probe's Hessian batch (default: the training batch); each Hessian-vector product costs about two training steps on it.", NumberRange<int>.AtLeast(1).CappedAt(1 << 20, "the examples of one Hessian-vector product"));
    readonly Option<int?> curvatureTrack = new OptionalNumericOption<int>("--curvature-track", "Follow λ_max with 3-product warm starts from the last top eigenvector, a cold Lanczos (and the measured tracking error) every N calls; off by default.", NumberRange<int>.Between(1, 1_000_000));
    readonly Option<int> lanczos = new NumericOption<int>("--lanczos-iterations", "Lanczos iteration cap (tolerance 1e-3 relative).", DefaultLanczosIterations, NumberRange<int>.AtLeast(1).CappedAt(10_000, "Hessian-vector products per call and the Lanczos basis, one parameter vector each"));
    readonly Option<double> lanczosTol = new NumericOption<double>("--lanczos-tolerance", "Lanczos relative residual at which λ_max counts as converged.", DefaultLanczosTolerance, new NumberRange<double>(0, 1, MinExclusive: true, MaxExclusive: true));
    readonly Option<int> power = new NumericOption<int>("--power-iterations", "Also run power iteration (seed 003 §11.6) up to N products, for comparison (0: off).", 0, NumberRange<int>.AtLeast(0).CappedAt(1_000_000, "Hessian-vector products per call"));
    readonly Option<int> hutchinson = new NumericOption<int>("--hutchinson", "Hutchinson probes for the Hessian trace (0: off).", 0, NumberRange<int>.AtLeast(0).CappedAt(1_000_000, "Hessian-vector products per call"));

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [curvature, curvatureEvery, curvatureBatch, curvatureTrack, lanczos, lanczosTol, power, hutchinson];

    /// <inheritdoc/>
    public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b) => s with
    {
        Curvature = b.AllFamilies || r.GetValue(curvature), CurvatureEvery = r.GetValue(curvatureEvery),
        CurvatureBatch = r.GetValue(curvatureBatch) ?? (b.AllFamilies && !r.GetValue(curvature) ? DefaultBatch : null), LanczosIterations = r.GetValue(lanczos), CurvatureTrack = r.GetValue(curvatureTrack),
        LanczosTolerance = r.GetValue(lanczosTol), PowerIterations = r.GetValue(power), HutchinsonSamples = r.GetValue(hutchinson),
    };
}
