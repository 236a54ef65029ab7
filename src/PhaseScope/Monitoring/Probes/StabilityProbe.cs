using PhaseScope.Consolidation;
using PhaseScope.Stability;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Sharpness as the optimizer sees it (docs/INSTABILITY.md). After the optimizer step, at θ_t, on one fixed training batch
/// (the Hessian H of its loss):
/// <list type="bullet">
/// <item>the directional sharpness uᵀHu/uᵀu along the update just taken, u = θ_t − θ_{t−1}, with gᵀu and the quadratic
/// model's change gᵀu + ½uᵀHu of repeating it (<see cref="DirectionalSharpness"/>: one Hessian-vector product);</item>
/// <item>λ_max(P⁻¹H) with the optimizer's current preconditioner (<see cref="IPreconditionerSource"/>, for AdamW
/// P = diag(√v̂ + ε)), by Lanczos on D^{1/2}HD^{1/2} (<see cref="PreconditionedHessian"/>) warm-started from the last call's
/// top vector (<see cref="LambdaMaxTracker"/>), and the margin to the optimizer's threshold (<see cref="StabilityMargin"/>).</item>
/// </list>
/// Vectors live on the parameters' device: the update and D in the parameters' dtype, the Lanczos basis and kept vector in
/// float64. Metrics: <see cref="StabilityMetrics"/>; reading: <see cref="StabilityReading"/>. The parameters, their
/// <c>.grad</c>, the optimizer state and the global RNG are untouched (the Hessian's loss has its own graph).
/// Resumable (<see cref="IResumableProbe"/>): the tracker's kept vector and call count and the latest reading travel with a
/// resume point, so a resumed run starts the next λ_max(P⁻¹H) warm, checks it cold on the same calls and republishes the
/// reading, as the uninterrupted run does; a rollback takes them back to the point's.
/// </summary>
public sealed class StabilityProbe : IResumableProbe, IDisposable
{
    readonly LambdaMaxTracker tracker = new(warmIterations: 3, lostResidual: 0.02, checkEvery: 10);
    IPreconditionerSource? preconditioner;

    /// <summary>Creates the probe (validated).</summary>
    public StabilityProbe(StabilityOptions? options = null)
    {
        Options = options ?? new StabilityOptions();
        Options.Validate();
        preconditioner = Options.Preconditioner;
        Schedule = ProbeSchedule.Every(Options.Interval);
    }

    /// <summary>The settings.</summary>
    public StabilityOptions Options { get; }

    /// <summary>The kept Lanczos vector's tracker (float64, on the parameters' device).</summary>
    public LambdaMaxTracker Tracker => tracker;

    /// <summary>The latest reading (null before the first call).</summary>
    public StabilityReading? Latest { get; private set; }

    /// <summary>Gives the probe the optimizer's preconditioner once the optimizer exists (null: none; directional only).</summary>
    public void Connect(IPreconditionerSource? source) => preconditioner = source;

    /// <inheritdoc />
    public string Name => "stability";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Update;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }
    /// <inheritdoc />
    public IReadOnlyList<Type> Publishes => [typeof(StabilityReading)];
    /// <inheritdoc />
    /// <remarks>One Hessian-vector product on 64 examples ≈ 0.6 training steps of the reference model (CurvatureProbe's measure);
    /// the preconditioned call adds its warm products every <see cref="StabilityOptions.PreconditionedEvery"/> steps.</remarks>
    public double? EstimatedStepsPerCall => 0.625 * (1 + 3.0 * Options.Interval / Math.Max(1, Options.PreconditionedEvery));

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        if (context.LossSource is not { } source)
            throw new InvalidOperationException("The stability probe needs a loss source: set monitor.LossSource (the built-in trainer does).");
        bool directional = Options.DirectionalEvery > 0 && context.Step % Options.DirectionalEvery == 0;
        bool preconditioned = Options.PreconditionedEvery > 0 && context.Step % Options.PreconditionedEvery == 0;
        if (!directional && !preconditioned) return;
        var parameters = context.Parameters.Select(p => p.Value).ToArray();
        Tensor loss;
        using (enable_grad()) loss = source.LossOnBatch(unchecked(Options.Seed * 1_000_003 + 7), Options.BatchSize);
        using var hvp = new HessianVectorProduct(loss, parameters);
        DirectionalReading? along = null;
        if (directional && FlatUpdate(context, parameters) is { } u)
        {
            along = DirectionalSharpness.Along(hvp, u);
            if (along is not null)
            {
                output.MetricIfFinite(StabilityMetrics.DirectionalSharpness, along.Sharpness);
                output.MetricIfFinite(StabilityMetrics.DirectionalSlope, along.Slope);
                output.MetricIfFinite(StabilityMetrics.DirectionalModelChange, along.ModelChange);
            }
        }
        double lambda = double.NaN, margin = double.NaN;
        if (preconditioned && preconditioner is { } pre && FlatInverse(pre, parameters) is { } d)
        {
            var operatorS = new PreconditionedHessian(hvp, d);
            var tracked = tracker.Track(operatorS.Apply, operatorS.Dimension, Options.MaxIterations, Options.Tolerance,
                unchecked(Options.Seed * 1_000_003 + context.Step), parameters[0].device);
            lambda = tracked.Result.LambdaMax;
            var stability = pre.Stability;
            margin = stability.Margin(lambda);
            output.Metric(StabilityMetrics.PreconditionedLambdaMax, lambda);
            output.Metric(StabilityMetrics.Tracked, tracked.Warm ? 1 : 0);
            output.Metric(StabilityMetrics.HvpProducts, tracked.Products);
            if (stability.HasThreshold)
            {
                output.Metric(StabilityMetrics.Threshold, stability.Threshold);
                output.Metric(StabilityMetrics.Margin, margin);
                output.Metric(StabilityMetrics.SharpnessRatio, stability.Ratio(lambda));
            }
        }
        Latest = new StabilityReading(context.Step, lambda, margin, along);
        context.Readings.Publish(Latest);
    }

    /// <summary>u = θ_t − θ_{t−1} flattened in parameter order (parameters without an update contribute zeros); null when none has one.</summary>
    static Tensor? FlatUpdate(ProbeContext context, Tensor[] parameters)
    {
        var parts = new Tensor[parameters.Length];
        bool any = false;
        for (int i = 0; i < parameters.Length; i++)
        {
            var u = context.Update(i);
            any |= u is not null;
            parts[i] = u is null ? zeros_like(parameters[i]).flatten() : u.flatten();
        }
        return any ? cat(parts) : null;
    }

    /// <summary>D = P⁻¹ flattened in parameter order; null when the optimizer holds no state for some parameter.</summary>
    static Tensor? FlatInverse(IPreconditionerSource source, Tensor[] parameters)
    {
        var parts = new Tensor[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            if (source.InverseDiagonal(parameters[i]) is not { } d) return null;
            parts[i] = d.flatten();
        }
        return cat(parts);
    }

    /// <inheritdoc />
    public void SaveState(ProbeState state)
    {
        state.Set("tracker_calls", tracker.Calls);
        using (var kept = tracker.CopyOfVector()) if (kept is not null) state.SetTensor("tracker_vector", kept);
        if (Latest is not { } r) return;
        state.Set("latest_step", r.Step);
        state.Set("latest_lambda_max", r.PreconditionedLambdaMax);
        state.Set("latest_margin", r.Margin);
        if (r.Directional is not { } d) return;
        state.Set("latest_sharpness", d.Sharpness);
        state.Set("latest_slope", d.Slope);
        state.Set("latest_curvature", d.Curvature);
        state.Set("latest_squared_norm", d.SquaredNorm);
    }

    /// <inheritdoc />
    /// <remarks>What the state lacks starts afresh (a point written before the probe's first call): no kept vector, no reading.</remarks>
    public void LoadState(ProbeState state)
    {
        tracker.Restore(state.Tensor("tracker_vector"), state.Long("tracker_calls") ?? 0);
        Latest = state.Long("latest_step") is long step
            ? new StabilityReading(step, state.Double("latest_lambda_max") ?? double.NaN, state.Double("latest_margin") ?? double.NaN,
                state.Double("latest_sharpness") is double s ? new DirectionalReading(s, state.Double("latest_slope") ?? double.NaN,
                    state.Double("latest_curvature") ?? double.NaN, state.Double("latest_squared_norm") ?? double.NaN) : null)
            : null;
    }

    /// <inheritdoc />
    public void Republish(MonitorReadings readings)
    {
        if (Latest is { } r) readings.Publish(r);
    }

    /// <summary>Releases the tracker's kept vector.</summary>
    public void Dispose() => tracker.Dispose();
}
