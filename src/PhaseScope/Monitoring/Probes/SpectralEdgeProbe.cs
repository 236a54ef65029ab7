using PhaseScope.Runtime;
using PhaseScope.Consolidation;
using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Seed 001's spectral edge during training: every <see cref="SpectralEdgeOptions.Stride"/> steps it pushes the update
/// δ_t = θ_t − θ_{t−s} of the watched tensors (flattened and concatenated in parameter order) into a
/// <see cref="TrajectoryWindow"/>, and once W updates are held it records (prefix <c>spectral/</c>): <c>sigma_j</c>
/// (j = 1..W), <c>k_star</c>, <c>k_star_weighted</c>, <c>gap_ratio</c>, <c>gap</c>, <c>g23</c>, <c>k95</c>, <c>rank</c>,
/// <c>delta_sigma</c> (‖ΔΣ‖_F), <c>participation_ratio</c> ((Σλ)²/Σλ² of the Gram), <c>stability_dk_j</c> and <c>stability_half_j</c> (§16), <c>null_p</c> (Prop. 6.4),
/// <c>bbp_margin</c> and <c>above_bbp</c> (§4.1, with a batch size and learning rate), <c>adiabatic</c> and
/// <c>adiabatic_regime</c> (0 plateau, 1 transition, 2 forgetting; Def. 34.2), <c>sketch_error</c> (sketched windows),
/// and with <see cref="SpectralEdgeOptions.DecompositionModes"/> the loss decomposition <c>train_proj_j</c>,
/// <c>val_proj_j</c>, <c>loss_change_j</c>, <c>loss_change_total</c> (Thm. 17.1). Events: <c>gap_opened</c>,
/// <c>gap_collapsed</c>, <c>k_star_shift</c>; a non-finite update gives <c>spectral_update_rejected</c>, is left
/// out, and the next update is taken from the last finite parameters.
/// </summary>
public sealed class SpectralEdgeProbe : IAttachableProbe, IResumableProbe, IDisposable
{
    readonly SpectralEdgeOptions options;
    readonly GapEventDetector detector;
    int[] selected = [];
    TrajectoryWindow? window;
    Tensor? previous;

    /// <summary>Creates the probe (validated).</summary>
    public SpectralEdgeProbe(SpectralEdgeOptions? options = null)
    {
        this.options = options ?? new SpectralEdgeOptions();
        this.options.Validate();
        Selection = new TensorSelection(this.options.Tensors);
        detector = new GapEventDetector(this.options.GapOpen, this.options.GapCollapse, this.options.KStarPersistence);
        Schedule = ProbeSchedule.Every(this.options.Stride);
    }

    /// <summary>The tensors watched.</summary>
    public TensorSelection Selection { get; }
    /// <summary>P, the watched parameter count (0 before attaching).</summary>
    public long Dimension => window?.Dimension ?? 0;
    /// <summary>Bytes held by the window and the previous snapshot.</summary>
    public long Bytes => (window?.Bytes ?? 0) + (previous is null ? 0 : previous.NumberOfElements * previous.ElementSize);
    /// <summary>The latest full-window spectrum and its step (null before the first full window).</summary>
    public (long Step, WindowSpectrum Spectrum)? Latest { get; private set; }

    /// <inheritdoc />
    public string Name => "spectral";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.None;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }
    /// <inheritdoc />
    /// <remarks>The stride is the update's definition: a budget must not stretch it.</remarks>
    public bool FixedSchedule => true;

    /// <inheritdoc />
    public void Attach(IReadOnlyList<NamedParameter> parameters)
    {
        selected = Selection.Select(parameters.Select(p => p.Name).ToArray());
        long p = selected.Sum(i => parameters[i].Value.numel());
        if (options.SketchDimension is long sd && sd >= p)
            throw new ArgumentOutOfRangeException(nameof(options.SketchDimension), sd, $"The sketch dimension must be below the watched parameter count P = {p}.");
        var device = parameters[selected[0]].Value.device;
        window = new TrajectoryWindow(options.Window, p, options.Storage, device, options.SketchDimension, options.Seed);
        // clone: with one watched tensor already in the storage dtype, flatten/to_type/cat can return a view of the
        // live parameter, and the snapshot would move with it (every update would read as 0).
        using var flat = Flatten(parameters);
        previous = flat.clone().DetachFromDisposeScope();
    }

    Tensor Flatten(IReadOnlyList<NamedParameter> parameters)
    {
        using var scope = NewDisposeScope();
        return cat(selected.Select(i => parameters[i].Value.detach().flatten().to_type(options.Storage)).ToArray()).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        if (window is null || previous is null) throw new InvalidOperationException("The spectral probe was not attached to a monitor.");
        var push = window.PushDifference(selected.Select(i => context.Parameters[i].Value).ToArray(), previous, context.Step);
        if (!push.Accepted)
        {
            output.Event("spectral_update_rejected", $"spectral window: {push.Rejection}");
            using var current = Flatten(context.Parameters);
            if (current.isfinite().all().item<bool>()) previous.copy_(current);
            return;
        }
        if (!window.IsFull) return;

        var analysis = SpectralAnalysis.Of(window, options.NullDraws, options.Seed);
        var spectrum = analysis.Spectrum;
        Latest = (context.Step, spectrum);
        for (int j = 0; j < spectrum.Sigma.Length; j++) output.Metric($"{SpectralEdgeMetrics.SigmaPrefix}{j + 1}", spectrum.Sigma[j]);
        output.Metric(SpectralEdgeMetrics.KStar, spectrum.KStar);
        output.Metric(SpectralEdgeMetrics.KStarWeighted, spectrum.KStarWeighted);
        output.Metric(SpectralEdgeMetrics.Rank, spectrum.Rank);
        output.Metric(SpectralEdgeMetrics.K95, spectrum.K95);
        output.MetricIfFinite(SpectralEdgeMetrics.ParticipationRatio, ParticipationRatio.Of(spectrum.Lambda));
        output.MetricIfFinite(SpectralEdgeMetrics.GapRatio, spectrum.GapRatio);
        output.MetricIfFinite(SpectralEdgeMetrics.Gap, spectrum.Gap);
        output.MetricIfFinite(SpectralEdgeMetrics.G23, spectrum.G23);
        output.MetricIfFinite(SpectralEdgeMetrics.DeltaSigma, push.DeltaSigmaFrobenius);
        if (window.Sketched) output.Metric(SpectralEdgeMetrics.SketchError, window.SketchDiagonalError());

        var dk = StabilityCoefficient.DavisKahan(spectrum.Lambda, push.DeltaSigmaFrobenius, options.DavisKahanC);
        for (int j = 0; j < dk.Length; j++) output.MetricIfFinite($"{SpectralEdgeMetrics.StabilityDkPrefix}{j + 1}", dk[j]);
        var half = analysis.SplitHalf;
        for (int j = 0; j < half.Length; j++) output.MetricIfFinite($"{SpectralEdgeMetrics.StabilityHalfPrefix}{j + 1}", half[j]);
        if (analysis.NullP is double nullP) output.Metric(SpectralEdgeMetrics.NullP, nullP);
        if (context.LearningRate is double lr && lr > 0)
        {
            if (options.BatchSize > 0)
            {
                var bbp = BbpThreshold.Isotropic(options.Window, window.Dimension, lr, options.BatchSize, options.Stride);
                output.Metric(SpectralEdgeMetrics.BbpMargin, bbp.WeakestMargin(spectrum.Sigma));
                output.Metric(SpectralEdgeMetrics.AboveBbp, bbp.AboveBulk(spectrum.Sigma));
            }
            double g2 = GradientNormSquared(context);
            double a = AdiabaticParameter.Of(push.DeltaSigmaFrobenius, lr, g2);
            if (double.IsFinite(a))
            {
                output.Metric(SpectralEdgeMetrics.Adiabatic, a);
                output.Metric(SpectralEdgeMetrics.AdiabaticRegime, (int)AdiabaticParameter.Regime(a, options.AdiabaticLow, options.AdiabaticHigh));
            }
            if (options.DecompositionModes > 0 && context.LossSource is IValidationLossSource validation)
                Decompose(context, output, spectrum, dk, lr, validation);
        }
        foreach (var e in detector.Observe(context.Step, spectrum.GapRatio, spectrum.KStar))
            output.Event(e.Kind switch { GapEventKind.GapOpened => "gap_opened", GapEventKind.GapCollapsed => "gap_collapsed", _ => "k_star_shift" }, e.Message);
    }

    double GradientNormSquared(ProbeContext context)
    {
        double sum = 0;
        foreach (int i in selected)
            if (context.Gradient(i) is { } g) sum += KeptScalar.Square(g).sum().to_type(ScalarType.Float64).item<double>();
        return sum;
    }

    void Decompose(ProbeContext context, ProbeOutput output, WindowSpectrum spectrum, double[] stability, double lr, IValidationLossSource source)
    {
        var grads = selected.Select(i => context.Gradient(i)).ToArray();
        if (grads.Any(g => g is null)) return;   // frozen or not yet backpropagated tensors: no train gradient to project
        var train = cat(grads.Select(g => g!.flatten()).ToArray());
        var inputs = selected.Select(i => context.Parameters[i].Value).ToArray();
        Tensor[] valGrads;
        using (enable_grad())
        {
            var loss = source.ValidationLossOnBatch(unchecked(options.Seed * 1_000_003 + context.Step));
            valGrads = AutogradResults.OrZeros(autograd.grad([loss], inputs, retain_graph: false, allow_unused: true), inputs);
        }
        var val = cat(valGrads.Select(g => g.detach().flatten()).ToArray());
        var d = LossDecomposition.Compute(spectrum, window!.Project(train), window.Project(val), stability, lr, options.DecompositionModes);
        for (int j = 0; j < d.LossChange.Length; j++)
        {
            output.MetricIfFinite($"spectral/train_proj_{j + 1}", d.TrainProjection[j]);
            output.MetricIfFinite($"spectral/val_proj_{j + 1}", d.ValidationProjection[j]);
            output.MetricIfFinite($"spectral/loss_change_{j + 1}", d.LossChange[j]);
        }
        output.MetricIfFinite(SpectralEdgeMetrics.LossChangeTotal, d.Total);
    }

    /// <inheritdoc />
    public void SaveState(ProbeState state)
    {
        if (window is null || previous is null) return;
        var w = window.ExportState();
        state.SetTensor("rows", w.Rows);
        state.SetTensor("gram", tensor(w.Gram, ScalarType.Float64));
        state.SetTensor("exact_norm_sq", tensor(w.ExactNormSq, ScalarType.Float64));
        state.SetTensor("steps", tensor(w.Steps, ScalarType.Int64));
        state.Set("next", w.Next);
        state.Set("count", w.Count);
        state.SetTensor("previous", previous);
        var d = detector.State;
        state.SetOptional("gap_open", d.Open);
        state.Set("stable_k", d.StableK);
        state.Set("candidate_k", d.CandidateK);
        state.Set("candidate_count", d.CandidateCount);
    }

    /// <inheritdoc />
    public void LoadState(ProbeState state)
    {
        if (window is null || previous is null) return;
        if (state.Tensor("rows") is not { } rows || state.Tensor("gram") is not { } gram || state.Tensor("exact_norm_sq") is not { } norms
            || state.Tensor("steps") is not { } steps || state.Tensor("previous") is not { } prev || state.Long("next") is not long next || state.Long("count") is not long count)
            throw new InvalidDataException("the window state is incomplete");
        if (!prev.shape.SequenceEqual(previous.shape) || prev.dtype != previous.dtype)
            throw new InvalidDataException($"the saved snapshot is {prev.dtype} [{string.Join(", ", prev.shape)}], the watched tensors {previous.dtype} [{string.Join(", ", previous.shape)}]");
        if (gram.dtype != ScalarType.Float64 || norms.dtype != ScalarType.Float64 || steps.dtype != ScalarType.Int64)
            throw new InvalidDataException("the window's Gram, norms and steps have the wrong dtypes");
        window.ImportState(rows, gram.data<double>().ToArray(), norms.data<double>().ToArray(), steps.data<long>().ToArray(), (int)next, (int)count);
        previous.copy_(prev);
        detector.Restore(state.Flag("gap_open"), (int)(state.Long("stable_k") ?? 0), (int)(state.Long("candidate_k") ?? 0), (int)(state.Long("candidate_count") ?? 0));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        window?.Dispose();
        previous?.Dispose();
    }
}
