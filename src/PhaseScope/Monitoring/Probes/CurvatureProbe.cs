using PhaseScope.Consolidation;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Hessian curvature at the step's θ (seed 003 §6.1, §11.6): λ_max by <see cref="Lanczos"/> on Hessian-vector
/// products of the loss on one training batch (drawn by the loss source with a seed from the step, and the
/// same batch for every product of a call, so the operator is fixed), optionally power iteration on the same
/// operator for comparison and Hutchinson's trace. With the loop's learning rate, S = 2/η − λ_max.
/// Metrics (prefix <c>curvature/</c>): <c>lambda_max</c>, <c>lambda_min</c>, <c>lanczos_iterations</c>,
/// <c>lanczos_converged</c> (0/1), <c>lanczos_residual</c>, <c>stability_margin</c>, and when asked
/// <c>lambda_max_power</c>, <c>power_iterations</c>, <c>trace</c>, <c>trace_se</c>.
/// It runs before the optimizer step on a separate loss with its own graph: the training graph, the
/// parameters' <c>.grad</c>, the optimizer state and the global RNG are untouched.
/// </summary>
public sealed class CurvatureProbe : IResumableProbe
{
    /// <summary>Creates the probe (validated).</summary>
    public CurvatureProbe(CurvatureOptions? options = null)
    {
        Options = options ?? new CurvatureOptions();
        Options.Validate();
        Schedule = Options.Schedule ?? ProbeSchedule.Every(100);
    }

    /// <summary>The settings.</summary>
    public CurvatureOptions Options { get; }
    /// <summary>Lanczos cap.</summary>
    public int MaxIterations => Options.MaxIterations;
    /// <summary>Lanczos tolerance.</summary>
    public double Tolerance => Options.Tolerance;
    /// <summary>Power iteration cap (0: off).</summary>
    public int PowerIterations => Options.PowerIterations;
    /// <summary>Hutchinson probes (0: off).</summary>
    public int HutchinsonSamples => Options.HutchinsonSamples;
    /// <summary>Seed of batches and start vectors.</summary>
    public long Seed => Options.Seed;
    /// <summary>The λ_max tracker, or null (cold Lanczos every call).</summary>
    public LambdaMaxTracker? Tracker => Options.Tracker;
    /// <summary>Examples in the Hessian's batch (null: the loss source's).</summary>
    public int? BatchSize => Options.BatchSize;
    /// <summary>The latest Lanczos result and its step (null before the first).</summary>
    public (long Step, double LambdaMax)? Latest { get; private set; }

    /// <inheritdoc />
    public string Name => "curvature";
    /// <inheritdoc />
    /// <remarks>Each Hessian-vector product is about 2.5 training steps on the training batch (measured on the reference
    /// model: 10 products on 512 examples ≈ 0.9–1.1 s against a 36–43 ms step) and about a quarter of that on a small
    /// sub-batch (64 examples: ≈ 25 ms, the fixed cost of a pass dominates); a call makes at most
    /// Lanczos + power + Hutchinson products.</remarks>
    public double? EstimatedStepsPerCall => (LanczosProducts + PowerIterations + HutchinsonSamples) * (BatchSize is null ? 2.5 : 0.625);

    /// <summary>Lanczos products of a typical call: the cap cold; tracked, a warm start plus the cold checks' share.</summary>
    double LanczosProducts => Tracker is null ? MaxIterations
        : Tracker.WarmIterations + (Tracker.CheckEvery > 0 ? (double)MaxIterations / Tracker.CheckEvery : 0);
    /// <summary>Top Ritz values recorded per cold call (<c>curvature/ritz_j</c>).</summary>
    public const int TopRitz = 5;

    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.LossOnOtherBatches;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        if (context.LossSource is not { } source)
            throw new InvalidOperationException("The curvature probe needs a loss source: set monitor.LossSource (the built-in trainer does).");
        long seed = unchecked(Seed * 1_000_003 + context.Step);
        Tensor loss;
        // Tracked, every call uses the same batch, so the operator changes only with θ between calls: with a fresh batch per
        // call the top eigenvector moved with batch noise and warm starts were accepted at 9 of 600 calls (docs/PERFORMANCE.md).
        long batchSeed = Tracker is null ? seed : unchecked(Seed * 1_000_003);
        using (enable_grad()) loss = BatchSize is int b ? source.LossOnBatch(batchSeed, b) : source.LossOnBatch(batchSeed);
        using var hvp = new HessianVectorProduct(loss, context.Parameters.Select(p => p.Value).ToArray());
        LanczosResult lanczos;
        if (Tracker is null) lanczos = Lanczos.Run(hvp.Apply, hvp.Dimension, MaxIterations, Tolerance, seed);
        else
        {
            var tracked = Tracker.Track(hvp.Apply, hvp.Dimension, MaxIterations, Tolerance, seed);
            lanczos = tracked.Result;
            output.Metric(CurvatureMetrics.Tracked, tracked.Warm ? 1 : 0);
            output.Metric(CurvatureMetrics.HvpProducts, tracked.Products);
            if (!double.IsNaN(tracked.TrackingError)) output.Metric(CurvatureMetrics.TrackingError, tracked.TrackingError);
        }
        output.Metric(CurvatureMetrics.LambdaMax, lanczos.LambdaMax);
        output.Metric(CurvatureMetrics.LambdaMin, lanczos.LambdaMin);
        output.Metric(CurvatureMetrics.LanczosIterations, lanczos.Iterations);
        output.Metric(CurvatureMetrics.LanczosConverged, lanczos.Converged ? 1 : 0);
        output.Metric(CurvatureMetrics.LanczosResidual, lanczos.RelativeResidual);
        if (Tracker is null)
            // The top Ritz values, descending (seed 001's Test 3 counts Hessian eigenvalues above a threshold). By Cauchy
            // interlacing the j-th largest Ritz value is at most the j-th largest eigenvalue, so a count of Ritz values
            // above a threshold is a lower bound of the count of eigenvalues above it.
            for (int j = 0; j < Math.Min(TopRitz, lanczos.RitzValues.Length); j++)
                output.Metric($"{CurvatureMetrics.RitzPrefix}{j + 1}", lanczos.RitzValues[^(j + 1)]);
        if (context.LearningRate is double lr)
            output.Metric(CurvatureMetrics.StabilityMargin, IntelligenceCoefficient.StabilityMargin(lr, lanczos.LambdaMax));
        if (PowerIterations > 0)
        {
            var power = PowerIteration.Run(hvp.Apply, hvp.Dimension, PowerIterations, Tolerance, seed);
            output.Metric(CurvatureMetrics.LambdaMaxPower, power.Eigenvalue);
            output.Metric(CurvatureMetrics.PowerIterations, power.Iterations);
        }
        if (HutchinsonSamples > 0)
        {
            var trace = HutchinsonTrace.Run(hvp.Apply, hvp.Dimension, HutchinsonSamples, seed);
            output.Metric(CurvatureMetrics.Trace, trace.Trace);
            if (!double.IsNaN(trace.StandardError)) output.Metric(CurvatureMetrics.TraceSe, trace.StandardError);
        }
        Latest = (context.Step, lanczos.LambdaMax);
        context.Readings.Publish(new CurvatureReading(context.Step, lanczos.LambdaMax));
    }

    /// <inheritdoc />
    public IReadOnlyList<Type> Publishes => [typeof(CurvatureReading)];

    /// <inheritdoc />
    public void Republish(MonitorReadings readings)
    {
        if (Latest is { } l) readings.Publish(new CurvatureReading(l.Step, l.LambdaMax));
    }

    /// <inheritdoc />
    /// <remarks>The latest λ_max, which the consolidation probe's I uses until the next curvature step, and with a tracker
    /// its kept vector and call count (so a resumed run's next call starts warm and its cold checks fall on the same calls).</remarks>
    public void SaveState(ProbeState state)
    {
        if (Tracker is { } t)
        {
            state.Set("tracker_calls", t.Calls);
            using var kept = t.CopyOfVector();
            if (kept is not null) state.SetTensor("tracker_vector", kept);
        }
        if (Latest is not { } l) return;
        state.Set("latest_step", l.Step);
        state.Set("latest_lambda_max", l.LambdaMax);
    }

    /// <inheritdoc />
    /// <remarks>What the state lacks starts afresh (a point written before the first call, or before trackers were saved).</remarks>
    public void LoadState(ProbeState state)
    {
        Tracker?.Restore(state.Tensor("tracker_vector"), state.Long("tracker_calls") ?? 0);
        Latest = state.Long("latest_step") is long s && state.Double("latest_lambda_max") is double l ? (s, l) : null;
    }
}
