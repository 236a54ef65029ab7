using PhaseScope.Consolidation;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Seed 003 during training: C_α, p, signal and noise (§3–4) from gradient samples at the step's θ, the
/// Hill tail index of the step's gradient and d_H (§11.5, §6.2), and, when a curvature probe of the same monitor has
/// published a <see cref="CurvatureReading"/> and the loop reports its learning rate, S = 2/η − λ_max and I = p·S/d_H (§6; see
/// <see cref="IntelligenceCoefficient"/> for why S is not the seed's 2η − λ_max).
/// Metrics (prefix <c>consolidation/</c>): <c>signal</c>, <c>noise</c>, <c>signal_unbiased</c>, <c>c_alpha</c>,
/// <c>c_alpha_unbiased</c>, <c>p</c>, <c>p_unbiased</c>, <c>p_smoothed</c>, <c>state</c> (0 failing … 4 strong, §12.1),
/// <c>tail_index</c>, <c>tail_index_clipped</c>, <c>d_h</c>, <c>participation_ratio</c> (of the samples' covariance, when they fit <see cref="ConsolidationOptions.SpectrumBytes"/>), <c>stability_margin</c>, <c>intelligence</c>; with micro-batches
/// also <c>c_alpha_step</c>, C_α with the noise rescaled to the training batch (the samples are micro-batches of B/k
/// examples, whose noise is k times larger), <c>p_step</c>, and their bias-corrected versions <c>c_alpha_step_unbiased</c>,
/// <c>p_step_unbiased</c>. Per tensor (when asked): <c>c_alpha/NAME</c> and <c>p/NAME</c>.
/// The p that decides — crossing events, <c>state</c>, <see cref="Latest"/> for the controllers — is p at the training
/// batch size (<see cref="ConsolidationAnalysis.Deciding"/>): the seed's <c>p</c> with extra batches, <c>p_step_unbiased</c>
/// with micro-batches.
/// Events: <c>p_crossed_up</c> / <c>p_crossed_down</c> when that p, averaged over <c>smoothing</c> calls, crosses 0.5.
/// </summary>
public sealed class ConsolidationProbe : IMicroBatchProbe, IResumableProbe, ITransitionSignal, IDisposable
{
    readonly PhaseCrossing crossing;
    MicroBatchAccumulator? micro;
    GradientSampleGram? gram;
    int microSeen;
    long skippedStep = -1;

    /// <summary>Creates the probe (validated).</summary>
    public ConsolidationProbe(ConsolidationOptions? options = null)
    {
        Options = options ?? new ConsolidationOptions();
        Options.Validate();
        Schedule = Options.Schedule ?? ProbeSchedule.Every(10);
        crossing = new PhaseCrossing(Options.Smoothing);
    }

    /// <summary>The settings.</summary>
    public ConsolidationOptions Options { get; }

    /// <inheritdoc />
    public IReadOnlyList<Type> Publishes => [typeof(ConsolidationReading)];

    /// <inheritdoc />
    /// <remarks>λ_max from a curvature probe of the same monitor, when there is one, for S and I.</remarks>
    public IReadOnlyList<Type> Consumes => [typeof(CurvatureReading)];

    /// <summary>How samples are drawn.</summary>
    public ConsolidationMethod Method => Options.Method;
    /// <summary>k or n.</summary>
    public int Samples => Options.Samples;
    int TailOrder => Options.TailOrder;
    int BatchSize => Options.BatchSize;
    bool PerTensor => Options.PerTensor;
    long Seed => Options.Seed;
    /// <summary>The latest measurement (null before the first).</summary>
    public ConsolidationReading? Latest { get; private set; }

    /// <inheritdoc />
    public string Name => "consolidation";
    /// <inheritdoc />
    public ProbeNeeds Needs => Method == ConsolidationMethod.MicroBatches
        ? ProbeNeeds.Gradients | ProbeNeeds.MicroBatchGradients
        : ProbeNeeds.Gradients | ProbeNeeds.LossOnOtherBatches;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }
    /// <inheritdoc />
    public int MicroBatches => Method == ConsolidationMethod.MicroBatches ? Samples : 1;

    /// <inheritdoc />
    public void ObserveMicroBatch(ProbeContext context, int index)
    {
        if (Method != ConsolidationMethod.MicroBatches) return;
        if (index == 0)
        {
            micro?.Dispose();
            micro = new MicroBatchAccumulator(Samples, BatchSize > 0 ? BatchSize / Samples : 0);
            microSeen = 0;
            gram?.Dispose();
            gram = NewGram(context, cumulative: true);
        }
        var cumulative = Gradients(context);
        micro!.Observe(cumulative);
        gram?.Observe(cumulative);
        microSeen++;
    }

    /// <inheritdoc />
    public void SkipStep(long step)
    {
        skippedStep = step;
        micro?.Dispose();
        micro = null;
        microSeen = 0;
        gram?.Dispose();
        gram = null;
    }

    /// <summary>The samples' Gram when n·P float64 values fit <see cref="ConsolidationOptions.SpectrumBytes"/>, else null.</summary>
    GradientSampleGram? NewGram(ProbeContext context, bool cumulative)
    {
        long parameters = context.Parameters.Sum(p => p.Value.numel());
        return Options.SpectrumBytes > 0 && GradientSampleGram.Bytes(Samples, parameters) <= Options.SpectrumBytes ? new GradientSampleGram(Samples, cumulative) : null;
    }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        if (Method == ConsolidationMethod.MicroBatches && skippedStep == context.Step) return;   // a short batch: nothing to measure
        var gradients = Gradients(context);
        var partials = Method == ConsolidationMethod.MicroBatches ? FinishMicroBatches(context, gradients) : ExtraBatches(context);

        var global = ConsolidationPartial.MergeAll(partials).Finish();
        if (double.IsNaN(global.CAlpha))
        {
            output.Event("consolidation_undefined", $"The gradient samples are not finite (signal {global.Signal}, noise {global.Noise}); C_α is skipped at this step.");
            return;
        }
        var (decidingP, decidingC) = WriteRatios(global, output);
        if (PerTensor)
            for (int i = 0; i < partials.Length; i++)
            {
                var r = partials[i].Finish();
                output.Metric($"consolidation/c_alpha/{context.Parameters[i].Name}", r.CAlpha);
                output.Metric($"consolidation/p/{context.Parameters[i].Name}", r.P);
            }
        var tailIndex = WriteTail(gradients, output);

        double intelligence = double.NaN;
        if (context.Readings.Latest<CurvatureReading>() is { } lambda && context.LearningRate is double lr)
        {
            double s = IntelligenceCoefficient.StabilityMargin(lr, lambda.LambdaMax);
            intelligence = IntelligenceCoefficient.Of(decidingP, s, tailIndex.EffectiveDimension);
            output.Metric(ConsolidationMetrics.StabilityMargin, s);
            output.Metric(ConsolidationMetrics.Intelligence, intelligence);
        }
        Latest = new ConsolidationReading(context.Step, decidingP, decidingC, intelligence);
        context.Readings.Publish(Latest);

        if (crossing.Observe(decidingP) is { } ev)
            output.Event(ev.Upward ? "p_crossed_up" : "p_crossed_down",
                FormattableString.Invariant($"p (mean of the last {crossing.Window} measurements) crossed 0.5 {(ev.Upward ? "upward" : "downward")}: {ev.Before:F3} → {ev.Smoothed:F3} (C_α = {decidingC:G4})."));
        if (!double.IsNaN(crossing.Smoothed)) output.Metric(ConsolidationMetrics.PSmoothed, crossing.Smoothed);
    }

    /// <summary>The step's k micro-batch partials (<see cref="ObserveMicroBatch"/> saw every one), finished against the
    /// step's gradient.</summary>
    ConsolidationPartial[] FinishMicroBatches(ProbeContext context, Tensor[] gradients)
    {
        if (micro is null || microSeen != Samples)
            throw new InvalidOperationException($"The consolidation probe saw {microSeen} of {Samples} micro-batches at step {context.Step}: the training loop must split the batch when monitor.MicroBatchesDue(step) > 1 and call monitor.AfterMicroBatch after each part.");
        var partials = micro.Finish(gradients);
        micro.Dispose();
        micro = null;
        microSeen = 0;
        return partials;
    }

    /// <summary>Writes the whole model's ratios (the seed's, bias-corrected, and with micro-batches those at the training
    /// batch) and the state; returns the p and C_α that decide (<see cref="ConsolidationAnalysis.Deciding"/>).</summary>
    (double P, double CAlpha) WriteRatios(ConsolidationRatio global, ProbeOutput output)
    {
        output.Metric(ConsolidationMetrics.Signal, global.Signal);
        output.Metric(ConsolidationMetrics.Noise, global.Noise);
        output.Metric(ConsolidationMetrics.SignalUnbiased, global.SignalUnbiased);
        output.Metric(ConsolidationMetrics.CAlpha, global.CAlpha);
        output.Metric(ConsolidationMetrics.CAlphaUnbiased, global.CAlphaUnbiased);
        output.Metric(ConsolidationMetrics.P, global.P);
        output.Metric(ConsolidationMetrics.PUnbiased, global.PUnbiased);
        var deciding = ConsolidationAnalysis.Deciding(global, Method == ConsolidationMethod.MicroBatches, BatchSize, out var step);
        if (step is not null)
        {
            output.Metric(ConsolidationMetrics.CAlphaStep, step.CAlpha);
            output.Metric(ConsolidationMetrics.PStep, step.P);
            output.Metric(ConsolidationMetrics.CAlphaStepUnbiased, step.CAlphaUnbiased);
            output.Metric(ConsolidationMetrics.PStepUnbiased, step.PUnbiased);
        }
        output.Metric(ConsolidationMetrics.State, (int)ConsolidationStates.Classify(deciding.P));
        return deciding;
    }

    /// <summary>Writes the step gradient's Hill tail index and d_H, and the samples' participation ratio when their Gram
    /// was kept (then released).</summary>
    TailIndex WriteTail(Tensor[] gradients, ProbeOutput output)
    {
        // One top-k over the concatenated gradient (a handful of kernels) instead of one per tensor.
        var tailIndex = TailPartial.Of(cat(gradients.Select(g => g.flatten()).ToArray()), TailOrder).Finish();
        output.Metric(ConsolidationMetrics.TailIndex, tailIndex.Alpha);
        output.Metric(ConsolidationMetrics.TailIndexClipped, tailIndex.AlphaClipped);
        output.Metric(ConsolidationMetrics.DH, tailIndex.EffectiveDimension);
        if (gram is not null && gram.Count == Samples) output.MetricIfFinite(ConsolidationMetrics.ParticipationRatio, gram.ParticipationRatio());
        gram?.Dispose();
        gram = null;
        return tailIndex;
    }

    /// <summary>Seed 003 §11.1: n gradients of extra batches at the current θ (the step's <c>.grad</c> is not touched).</summary>
    ConsolidationPartial[] ExtraBatches(ProbeContext context)
    {
        if (context.LossSource is not { } source)
            throw new InvalidOperationException("The consolidation probe (extra batches) needs a loss source: set monitor.LossSource (the built-in trainer does).");
        var parameters = context.Parameters.Select(p => p.Value).ToArray();
        using var accumulator = new GradientSampleAccumulator(BatchSize);
        gram?.Dispose();
        gram = NewGram(context, cumulative: false);
        for (int j = 0; j < Samples; j++)
        {
            using var scope = NewDisposeScope();
            Tensor[] grads;
            using (enable_grad())
            {
                var loss = source.LossOnBatch(unchecked(Seed * 1_000_003 + context.Step * 1_009 + j));
                grads = autograd.grad([loss], parameters, retain_graph: false, allow_unused: true).ToArray();
            }
            var sample = AutogradResults.OrZeros(grads, parameters);
            accumulator.Add(sample);
            gram?.Observe(sample);
        }
        return accumulator.Finish();
    }

    static Tensor[] Gradients(ProbeContext context) =>
        Enumerable.Range(0, context.Parameters.Count)
            .Select(i => context.Gradient(i) ?? zeros_like(context.Parameters[i].Value)).ToArray();

    /// <summary>Releases a half-finished micro-batch accumulator.</summary>
    public void Dispose()
    {
        micro?.Dispose();
        gram?.Dispose();
    }

    /// <inheritdoc />
    /// <remarks>Smoothed p within 0.05 of 0.5: seed 003's transition is p crossing 0.5.</remarks>
    public bool TransitionUnderway => Math.Abs(crossing.Smoothed - crossing.Threshold) < 0.05;

    /// <inheritdoc />
    /// <remarks>The p-crossing detector's smoothing buffer and side; <see cref="Latest"/> is not kept (the controllers
    /// that read it refuse to resume).</remarks>
    public void SaveState(ProbeState state)
    {
        var c = crossing.State;
        state.SetTensor("recent_p", tensor(c.Recent, ScalarType.Float64));
        state.Set("sum_p", c.Sum);
        state.SetOptional("above", c.Above);
        state.Set("last_p", c.Last);
    }

    /// <inheritdoc />
    public void LoadState(ProbeState state)
    {
        if (state.Tensor("recent_p") is not { } recent || recent.dtype != ScalarType.Float64 || state.Double("sum_p") is not double sum || state.Double("last_p") is not double last)
            throw new InvalidDataException("the p-crossing state is incomplete");
        crossing.Restore(recent.data<double>().ToArray(), sum, state.Flag("above"), last);
    }
}
