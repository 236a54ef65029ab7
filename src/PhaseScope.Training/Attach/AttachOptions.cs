using PhaseScope.Control;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Training;

/// <summary>
/// What <see cref="PhaseScopeSession.Attach"/> needs to know about a loop of one's own. Every family is on at the
/// schedules <c>phasescope grok</c> uses (<see cref="PhaseScopeSession"/> lists them); each <c>*Options</c> record
/// replaces one family's settings, <see cref="CheapOnly"/> keeps only the cheap probes.
/// </summary>
/// <param name="RunDirectory">Where the run is stored (must not exist or be empty): <c>run.db</c>, <c>report.html</c>.</param>
public sealed record AttachOptions(string RunDirectory)
{
    /// <summary>The run's name (null: the directory's name).</summary>
    public string? Name { get; init; }
    /// <summary>The run's kind in the store (<c>phasescope runs</c> lists it).</summary>
    public string Kind { get; init; } = "custom";
    /// <summary>The training batch size: seed 003's micro-batches divide it, seed 001's BBP edge reads it (0: unknown, both off).</summary>
    public int BatchSize { get; init; }
    /// <summary>Losses at fixed θ on other batches (e.g. <see cref="TensorLossSource"/>); seed 003's curvature probe needs one
    /// and is off without it.</summary>
    public ILossSource? LossSource { get; init; }
    /// <summary>Steps between evaluations (<see cref="PhaseScopeSession.Evaluate"/>), for probes that run on evaluations (0: unknown).</summary>
    public int EvaluateEvery { get; init; }
    /// <summary>Test accuracy at which the run counts as generalised (the <c>grokked</c> event and the diagnosis).</summary>
    public double GrokThreshold { get; init; } = 0.95;
    /// <summary>Only the cheap probes (loss, norms, distance from init) and none of the three families.</summary>
    public bool CheapOnly { get; init; }
    /// <summary>Steps between the cheap probes' calls (grok's <c>--probe-every</c>).</summary>
    public int ProbeEvery { get; init; } = 10;
    /// <summary>Seed 000's moments (null: log-spaced, snapshots every 4th call).</summary>
    public MomentsOptions? Moments { get; init; }
    /// <summary>Seed 001's spectral edge (null: W = 10 updates, stride 100, the attention projections, or every tensor of a
    /// model without them).</summary>
    public SpectralEdgeOptions? Spectral { get; init; }
    /// <summary>Seed 003's C_α (null: k micro-batches, the largest k in 8…2 dividing <see cref="BatchSize"/>, every 100 steps;
    /// every 10 with controllers).</summary>
    public ConsolidationOptions? Consolidation { get; init; }
    /// <summary>Seed 003's λ_max (null: every 2,000 steps on a 64-example Hessian batch).</summary>
    public CurvatureOptions? Curvature { get; init; }
    /// <summary>When the weight spectra run (null: at every evaluation).</summary>
    public ProbeSchedule? WeightSpectra { get; init; }
    /// <summary>Probes of one's own, run beside the built-in ones.</summary>
    public IReadOnlyList<IProbe> Probes { get; init; } = [];
    /// <summary>Seed 003's controllers (<see cref="AdaptiveLearningRate"/>, <see cref="EarlyStopping"/>), run by <see cref="PhaseScopeSession.Loop"/>.</summary>
    public IReadOnlyList<IController> Controllers { get; init; } = [];
    /// <summary>Controllers ignore readings before this step (0: from the first, as the seed does).</summary>
    public long ControlFromStep { get; init; }
    /// <summary>Keep the monitor within this share of training time (grok's <c>--monitor-budget</c>; null: base schedules).</summary>
    public double? MonitorBudget { get; init; }
    /// <summary>Seed of the probes' own draws (batches, sketches, start vectors).</summary>
    public long Seed { get; init; }
    /// <summary>Settings stored in the run's config table beside the ones the session records.</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();
    /// <summary>Write <c>report.html</c> when the session finishes.</summary>
    public bool Report { get; init; } = true;
}
