using System.Globalization;
using PhaseScope.LearningCoefficient;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// The local learning coefficient λ̂ at the step's θ (<see cref="LocalLearningCoefficient"/>), on a sparse
/// schedule: a call costs Chains × (BurnIn + Draws) forward and backward passes (plus the reference batches), so the
/// default is every 1,000 steps. Metrics (prefix <c>llc/</c>): <c>lambda_hat</c>, <c>se</c> (over chains),
/// <c>reference_loss</c>, <c>diverged</c> (chains). Events: <c>llc_diverged</c> when a chain blew up (lower the step
/// size), and <c>llc_turn</c> at a stage boundary in Hoogland et al.'s sense: λ̂ changed direction (a local maximum or
/// minimum of the LLC curve), each of the two moves exceeding twice their standard error, so chain noise alone rarely
/// makes one. The parameters are restored exactly after the chains (the estimator guarantees it) and only
/// <c>autograd.grad</c> is used, so training, its gradients and its random state are untouched.
/// </summary>
public sealed class LlcProbe : IProbe
{
    readonly List<(long Step, double Lambda, double Se)> readings = [];

    /// <summary>Creates the probe.</summary>
    /// <param name="options">Estimator settings (validated here).</param>
    /// <param name="trainExamples">n, the training-set size (for nβ = n / log n).</param>
    /// <param name="schedule">When to run (default every 1,000 steps).</param>
    /// <param name="batchSize">Examples per SGLD mini-batch (null: the loss source's batch).</param>
    /// <param name="seed">Seed of batches and noise.</param>
    public LlcProbe(LlcOptions options, long trainExamples, ProbeSchedule? schedule = null, int? batchSize = null, long seed = 0)
    {
        options.Validate();
        options.NBetaFor(trainExamples);   // throws for n < 2 without nβ
        if (batchSize is < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The LLC batch needs at least one example.");
        Options = options;
        TrainExamples = trainExamples;
        Schedule = schedule ?? ProbeSchedule.Every(1000);
        BatchSize = batchSize;
        Seed = seed;
    }

    /// <summary>Metric names (defined once: the verdict and the report read these).</summary>
    public const string LambdaHatMetric = "llc/lambda_hat", StandardErrorMetric = "llc/se", ReferenceLossMetric = "llc/reference_loss", DivergedMetric = "llc/diverged";
    /// <summary>Event kinds.</summary>
    public const string TurnEvent = "llc_turn", DivergedEvent = "llc_diverged";

    /// <summary>Estimator settings.</summary>
    public LlcOptions Options { get; }
    /// <summary>n.</summary>
    public long TrainExamples { get; }
    /// <summary>SGLD batch size (null: the loss source's).</summary>
    public int? BatchSize { get; }
    /// <summary>Seed of batches and noise.</summary>
    public long Seed { get; }

    /// <inheritdoc />
    public string Name => "llc";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.LossOnOtherBatches;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }
    /// <inheritdoc />
    /// <remarks>A forward and backward pass without the optimizer ≈ 0.8 training steps on the training batch, ≈ 0.25 on a
    /// small sub-batch (the same fixed-cost reading as the curvature probe's).</remarks>
    public double? EstimatedStepsPerCall => (Options.ReferenceBatches * 0.5 + Options.Chains * (Options.BurnIn + Options.Draws)) * (BatchSize is null ? 0.8 : 0.25);

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        if (context.LossSource is not { } source)
            throw new InvalidOperationException("The LLC probe needs a loss source: set monitor.LossSource (the built-in trainer does).");
        var estimate = EstimateAt(context.Parameters.Select(p => p.Value).ToArray(), source, context.Step, Options, TrainExamples, Seed, BatchSize);
        output.Metric(DivergedMetric, estimate.Diverged);
        output.Metric(ReferenceLossMetric, estimate.ReferenceLoss);
        if (estimate.Diverged > 0)
            output.Event(DivergedEvent, $"{estimate.Diverged} of {Options.Chains} SGLD chains diverged at step size {F(Options.StepSize)}: lower --llc-step-size (or raise --llc-localization).");
        if (double.IsNaN(estimate.LambdaHat)) return;
        output.Metric(LambdaHatMetric, estimate.LambdaHat);
        output.MetricIfFinite(StandardErrorMetric, estimate.StandardError);
        readings.Add((context.Step, estimate.LambdaHat, double.IsFinite(estimate.StandardError) ? estimate.StandardError : 0));
        if (Turn(readings) is { } turn) output.Event(TurnEvent, turn);
    }

    /// <summary>
    /// λ̂ at the parameters' current values for training step <paramref name="step"/>, seeded from the step so that the
    /// probe during training and <c>phasescope llc</c> over that step's checkpoint draw the same batches and noise:
    /// batch k uses seed <c>batchSeed·1,000,003 + step·100,003 + k</c>, the SGLD noise <c>options.Seed + step</c>.
    /// </summary>
    /// <param name="parameters">θ (restored exactly afterwards).</param>
    /// <param name="source">Loss on seeded training batches.</param>
    /// <param name="step">The training step θ belongs to.</param>
    /// <param name="options">Estimator settings.</param>
    /// <param name="trainExamples">n, the training-set size.</param>
    /// <param name="batchSeed">Seed of the SGLD batches.</param>
    /// <param name="batchSize">Examples per SGLD batch; null: the source's own batch.</param>
    public static LlcEstimate EstimateAt(IReadOnlyList<TorchSharp.torch.Tensor> parameters, ILossSource source, long step, LlcOptions options,
        long trainExamples, long batchSeed, int? batchSize = null)
    {
        long baseSeed = unchecked(batchSeed * 1_000_003 + step * 100_003);
        return LocalLearningCoefficient.Estimate(parameters,
            k => batchSize is int b ? source.LossOnBatch(unchecked(baseSeed + k), b) : source.LossOnBatch(unchecked(baseSeed + k)),
            trainExamples, options with { Seed = unchecked(options.Seed + step) });
    }

    /// <summary>The <c>llc_turn</c> message when the last three readings a, b, c turn (b − a and c − b of opposite sign,
    /// each larger than twice the combined standard error of its pair); else null.</summary>
    public static string? Turn(IReadOnlyList<(long Step, double Lambda, double Se)> r)
    {
        if (r.Count < 3) return null;
        var (a, b, c) = (r[^3], r[^2], r[^1]);
        double d1 = b.Lambda - a.Lambda, d2 = c.Lambda - b.Lambda;
        double n1 = 2 * Math.Sqrt(a.Se * a.Se + b.Se * b.Se), n2 = 2 * Math.Sqrt(b.Se * b.Se + c.Se * c.Se);
        if (Math.Sign(d1) == Math.Sign(d2) || Math.Abs(d1) <= n1 || Math.Abs(d2) <= n2) return null;
        return $"λ̂ {(d1 > 0 ? "peaked" : "bottomed out")} at step {b.Step} ({F(a.Lambda)} → {F(b.Lambda)} → {F(c.Lambda)}): a stage boundary in the LLC curve.";
    }

    static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
