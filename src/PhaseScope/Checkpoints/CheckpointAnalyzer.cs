using PhaseScope.Consolidation;
using PhaseScope.Moments;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Checkpoints;

/// <summary>
/// Turns a sequence of checkpoints, fed in training-step order, into the metrics and events the monitor would have
/// recorded at those steps, under the same names, written to <see cref="IMonitorSink"/>s (the run store, the diagnosis, the
/// terminal view). Per checkpoint at step t, over the selected floating-point tensors θ_t (the first checkpoint's names and
/// shapes; integer tensors and normalisation buffers are left out with a note, <see cref="BufferNames"/>):
/// <list type="bullet">
/// <item><c>param_norm</c> ‖θ_t‖, <c>dist_from_init</c> ‖θ_t − θ_first‖ (from the first checkpoint, which need not be the
/// initialisation), <c>update_norm</c> ‖θ_t − θ_prev‖ (over all the steps between the two checkpoints);</item>
/// <item>seed 001's spectral edge (<see cref="SpectralAnalysis"/>) of the last W updates δ = θ_t − θ_prev once W are
/// held: σ_j, k*, weighted k*, gap ratio, gap, g₂₃, k₀.₉₅, rank, split-half stability, the null p-value, and the events
/// <c>gap_opened</c>, <c>gap_collapsed</c>, <c>k_star_shift</c> (<see cref="GapEventDetector"/>'s defaults);</item>
/// <item>seed 000's β = log max|θ| (<c>moments/beta</c>); with a gradient g (a gradient file of the same shapes, or the
/// mean ḡ of samples) also β_g, m∩, d₀, the topological constant, C(K, K) and Q̂_α(K) and the phase
/// (<see cref="PhaseReading"/>), and the events <c>order_gained</c>/<c>order_lost</c> when m∩ leaves or reaches 0;</item>
/// <item>with gradient samples (every tensor <c>[n, ...]</c>, n ≥ 2, as <c>phasescope consolidation</c> reads) seed 003's
/// C_α, p, their bias-corrected values, signal, noise and the Hill tail index (<see cref="ConsolidationAnalysis"/>).</item>
/// </list>
/// Memory: the first and the previous checkpoint's selected tensors and the window (float32), plus one checkpoint.
/// </summary>
public sealed class CheckpointAnalyzer : IDisposable
{
    readonly CheckpointAnalysisOptions options;
    readonly IReadOnlyList<IMonitorSink> sinks;
    readonly GapEventDetector detector = new();
    readonly List<string> notes = [];
    CheckpointEntry[]? expected;
    string? firstPath;
    TrajectoryWindow? window;
    Tensor? first, previous;
    long? lastIntersection;

    /// <summary>An analyzer writing to <paramref name="sinks"/>.</summary>
    public CheckpointAnalyzer(CheckpointAnalysisOptions options, IReadOnlyList<IMonitorSink> sinks)
    {
        options.Validate();
        this.options = options;
        this.sinks = sinks;
    }

    /// <summary>Checkpoints analysed so far.</summary>
    public int Count { get; private set; }
    /// <summary>The step of the last checkpoint analysed.</summary>
    public long? LastStep { get; private set; }
    /// <summary>Spectral windows analysed so far.</summary>
    public int Windows { get; private set; }
    /// <summary>Gradient files analysed so far.</summary>
    public int GradientFiles { get; private set; }
    /// <summary>Parameters P in the selected tensors (0 before the first checkpoint).</summary>
    public long Parameters { get; private set; }
    /// <summary>The selected tensors' names (empty before the first checkpoint).</summary>
    public IReadOnlyList<string> Tensors => expected?.Select(e => e.Name).ToList() ?? [];
    /// <summary>What was left out or could not be measured, once each.</summary>
    public IReadOnlyList<string> Notes => notes;

    /// <summary>
    /// Checks that <paramref name="index"/> can follow the checkpoints so far (same selected names and shapes, floating
    /// point) and returns null, or says why not. The first checkpoint fixes the selection.
    /// </summary>
    public string? Mismatch(CheckpointIndex index)
    {
        if (expected is null) return Choose(index, dryRun: true);
        foreach (var e in expected)
        {
            var other = index.Find(e.Name);
            if (other is null) return $"{index.Path} has no tensor '{e.Name}' (present in {firstPath}); all checkpoints must hold the same tensors";
            if (!other.Shape.SequenceEqual(e.Shape)) return $"tensor '{e.Name}' has shape [{string.Join(", ", other.Shape)}] in {index.Path} but [{string.Join(", ", e.Shape)}] in {firstPath}";
            if (!other.IsFloatingPoint) return $"tensor '{e.Name}' in {index.Path} has dtype {other.DType}; parameters must be floating point";
        }
        return null;
    }

    /// <summary>Fixes the selected tensors from <paramref name="index"/> (the first checkpoint) without reading data; null, or why it cannot.</summary>
    public string? Choose(CheckpointIndex index) => expected is not null ? "the selection is fixed already" : Choose(index, dryRun: false);

    string? Choose(CheckpointIndex index, bool dryRun)
    {
        var (floating, skipped) = CheckpointFile.FloatingPoint(index);
        var candidates = BufferNames.Parameters(floating, options.Tensors, out var buffers);
        int[] picked;
        try { picked = new TensorSelection(options.Tensors).Select(candidates.Select(e => e.Name).ToArray()); }
        catch (ArgumentException e) { return $"{index.Path}: {e.Message.TrimEnd('.')}"; }
        var chosen = picked.Select(i => candidates[i]).ToArray();
        if (chosen.Sum(e => e.Elements) < 1) return $"the selected tensors of {index.Path} hold no elements";
        if (dryRun) return null;
        expected = chosen;
        firstPath = index.Path;
        Parameters = chosen.Sum(e => e.Elements);
        if (skipped is not null) notes.Add(skipped);
        if (buffers.Count > 0) notes.Add($"{buffers.Count} normalisation buffer{(buffers.Count == 1 ? "" : "s")} left out ({string.Join(", ", buffers.Take(4).Select(e => e.Name))}{(buffers.Count > 4 ? ", …" : "")}): running statistics are not parameters");
        if (index.Note is not null) notes.Add($"{index.Path}: {index.Note}");
        return null;
    }

    /// <summary>
    /// Analyses the checkpoint <paramref name="checkpoint"/> of training step <paramref name="step"/> (after every earlier
    /// one), with the gradient file <paramref name="gradients"/> of the same step if there is one.
    /// </summary>
    /// <remarks>A checkpoint holding NaN or ±Inf is not a point of the trajectory: it gives the event <c>non_finite_parameters</c>
    /// and a note, and no metrics.</remarks>
    /// <exception cref="ArgumentException">The step does not follow the last one, or the checkpoint does not match the first (<see cref="Mismatch"/>).</exception>
    /// <exception cref="CheckpointFormatException">A file cannot be read.</exception>
    public void Add(long step, CheckpointFile checkpoint, CheckpointFile? gradients = null)
    {
        if (LastStep is long last && step <= last) throw new ArgumentException($"Checkpoint {checkpoint.Index.Path} is at step {step}, not after the last one analysed ({last}).");
        if (Mismatch(checkpoint.Index) is { } why) throw new ArgumentException(why + ".");
        if (expected is null) Choose(checkpoint.Index, dryRun: false);
        var records = new List<MetricRecord>();
        var events = new List<MonitorEvent>();
        using (var scope = NewDisposeScope())
        {
            var loaded = checkpoint.LoadAll(expected!.Select(e => e.Name));
            var thetas = expected!.Select(e => loaded[e.Name]).ToList();
            var current = cat(thetas.Select(t => t.flatten().to_type(ScalarType.Float32)).ToArray());
            if (!current.isfinite().all().item<bool>())
            {
                // A diverged training's checkpoint: said as the monitor says a non-finite reading (the diagnosis marks the run
                // unstable), and not used as a point of the trajectory.
                var e = new MonitorEvent(step, "non_finite_parameters", "analyze", $"Checkpoint {Path.GetFileName(checkpoint.Index.Path)} holds NaN or ±Inf parameters; it is left out of the trajectory.");
                foreach (var sink in sinks) sink.Write(e);
                Note($"{checkpoint.Index.Path} holds NaN or ±Inf parameters (step {step}): left out");
                LastStep = step;
                return;
            }
            records.Add(new(step, "param_norm", Norm(current)));
            if (first is not null) records.Add(new(step, "dist_from_init", Norm(current.sub(first))));
            if (previous is not null)
            {
                var update = current.sub(previous);
                records.Add(new(step, "update_norm", Norm(update)));
                Spectral(step, update, records, events);
            }
            Moments(step, thetas, gradients, records, events);
            if (first is null) first = current.clone().DetachFromDisposeScope();
            previous?.Dispose();
            previous = current.DetachFromDisposeScope();
        }
        foreach (var s in sinks) s.Write(records);
        foreach (var e in events) foreach (var s in sinks) s.Write(e);
        Count++;
        LastStep = step;
    }

    static double Norm(Tensor t)
    {
        using var d = t.to_type(ScalarType.Float64);
        return linalg.vector_norm(d).item<double>();
    }

    void Spectral(long step, Tensor update, List<MetricRecord> records, List<MonitorEvent> events)
    {
        window ??= new TrajectoryWindow(options.Window, Parameters);
        var push = window.Push(update, step);
        if (!push.Accepted) { Note($"an update was not used by the spectral window ({push.Rejection})"); return; }
        if (!window.IsFull) return;
        var analysis = SpectralAnalysis.Of(window);
        var s = analysis.Spectrum;
        for (int j = 0; j < s.Sigma.Length; j++) records.Add(new(step, $"{SpectralEdgeMetrics.SigmaPrefix}{j + 1}", s.Sigma[j]));
        records.Add(new(step, SpectralEdgeMetrics.KStar, s.KStar));
        records.Add(new(step, SpectralEdgeMetrics.KStarWeighted, s.KStarWeighted));
        records.Add(new(step, SpectralEdgeMetrics.Rank, s.Rank));
        records.Add(new(step, SpectralEdgeMetrics.K95, s.K95));
        Finite(records, step, SpectralEdgeMetrics.GapRatio, s.GapRatio);
        Finite(records, step, SpectralEdgeMetrics.Gap, s.Gap);
        Finite(records, step, SpectralEdgeMetrics.G23, s.G23);
        Finite(records, step, SpectralEdgeMetrics.DeltaSigma, push.DeltaSigmaFrobenius);
        for (int j = 0; j < analysis.SplitHalf.Length; j++) Finite(records, step, $"{SpectralEdgeMetrics.StabilityHalfPrefix}{j + 1}", analysis.SplitHalf[j]);
        if (analysis.NullP is double nullP) records.Add(new(step, SpectralEdgeMetrics.NullP, nullP));
        foreach (var e in detector.Observe(step, s.GapRatio, s.KStar))
            events.Add(new MonitorEvent(step, e.Kind switch { GapEventKind.GapOpened => "gap_opened", GapEventKind.GapCollapsed => "gap_collapsed", _ => "k_star_shift" }, "spectral", e.Message));
        Windows++;
    }

    void Moments(long step, List<Tensor> thetas, CheckpointFile? gradients, List<MetricRecord> records, List<MonitorEvent> events)
    {
        List<Tensor>? grads = null, samples = null;
        if (gradients is not null) (grads, samples) = LoadGradients(gradients);
        try
        {
            if (grads is null) ParameterMoments(step, thetas, records);
            else CoupledMoments(step, thetas, grads, records, events);
        }
        catch (NonFiniteValuesException e)
        {
            Note($"moments not measured at step {step}: {e.Message}");
        }
        if (samples is not null) SampleConsolidation(step, samples, records);
    }

    /// <summary>The gradient file's tensors in the selected order: one gradient, or samples with their mean ḡ as the gradient.</summary>
    (List<Tensor> Grads, List<Tensor>? Samples) LoadGradients(CheckpointFile gradients)
    {
        var problem = GradientShapes(gradients.Index, out bool areSamples);
        if (problem is not null) throw new ArgumentException($"{gradients.Index.Path}: {problem}.");
        var loaded = gradients.LoadAll(expected!.Select(e => e.Name));
        var list = expected!.Select(e => loaded[e.Name]).ToList();
        GradientFiles++;
        return areSamples ? (list.Select(t => t.to_type(ScalarType.Float64).mean([0])).ToList(), list) : (list, null);
    }

    /// <summary>Without a gradient: β = log max|θ| over every selected tensor (none when θ is all zero).</summary>
    static void ParameterMoments(long step, List<Tensor> thetas, List<MetricRecord> records)
    {
        ExtremalPartial? ex = null;
        foreach (var t in thetas) ex = ex is null ? ExtremalPartial.Of(t, null) : ex.Merge(ExtremalPartial.Of(t, null));
        var x = ex!.Finish();
        if (!x.ThetaAllZero) records.Add(new(step, MomentsMetrics.Beta, x.Beta));
    }

    /// <summary>With a gradient: the phase reading's m∩, d₀, β, β_g, topological constant, C(K, K), Q̂_α(K) and phase, and
    /// <c>order_gained</c>/<c>order_lost</c> when m∩ leaves or reaches 0.</summary>
    void CoupledMoments(long step, List<Tensor> thetas, List<Tensor> grads, List<MetricRecord> records, List<MonitorEvent> events)
    {
        var reading = PhaseReading.Of(thetas, grads.Cast<Tensor?>().ToList(), options.Orders);
        var x = reading.Extremal;
        records.Add(new(step, MomentsMetrics.MCap, x.Intersection));
        records.Add(new(step, MomentsMetrics.D0, x.D0));
        records.Add(new(step, MomentsMetrics.Beta, x.Beta));
        records.Add(new(step, MomentsMetrics.BetaG, x.BetaGrad));
        Finite(records, step, MomentsMetrics.Topological, x.TopologicalConstant);
        for (int i = 0; i < reading.Orders.Length; i++)
        {
            Finite(records, step, $"{MomentsMetrics.CDiagPrefix}{reading.Orders[i]:G}", reading.Diagonal[i]);
            Finite(records, step, $"{MomentsMetrics.QHatPrefix}{reading.Orders[i]:G}", reading.QHat[i]);
        }
        if (!x.Degenerate) records.Add(new(step, MomentsMetrics.Phase, (int)reading.Phase));
        if (lastIntersection is long before && (before == 0) != (x.Intersection == 0))
            events.Add(new MonitorEvent(step, x.Intersection > 0 ? "order_gained" : "order_lost", "moments", x.Intersection > 0
                ? $"m∩ = {x.Intersection}: a parameter of largest magnitude now also has the largest gradient (ordered phase, seed 000 Thm 4.8)."
                : $"m∩ = 0: the largest parameters and the largest gradients are disjoint (disordered phase); d₀ = {x.D0:G4}."));
        lastIntersection = x.Intersection;
    }

    /// <summary>With gradient samples: seed 003's C_α, p (and bias-corrected), signal, noise and Hill tail index, in the
    /// samples' own units (the analysis's power-of-two rescaling undone).</summary>
    void SampleConsolidation(long step, List<Tensor> samples, List<MetricRecord> records)
    {
        try
        {
            var c = ConsolidationAnalysis.OfSamples(expected!.Select((e, i) => (e.Name, samples[i])).ToList(), 0, options.TailK);
            var r = c.Global;
            double s2 = c.Scale * c.Scale;
            Finite(records, step, ConsolidationMetrics.CAlpha, r.CAlpha);
            Finite(records, step, ConsolidationMetrics.P, r.P);
            Finite(records, step, ConsolidationMetrics.CAlphaUnbiased, r.CAlphaUnbiased);
            Finite(records, step, ConsolidationMetrics.PUnbiased, r.PUnbiased);
            Finite(records, step, ConsolidationMetrics.Signal, r.Signal * s2);
            Finite(records, step, ConsolidationMetrics.Noise, r.Noise * s2);
            Finite(records, step, ConsolidationMetrics.TailIndex, c.Tail.Alpha);
            Finite(records, step, ConsolidationMetrics.TailIndexClipped, c.Tail.AlphaClipped);
        }
        catch (ArgumentException e)
        {
            Note($"C_α not measured at step {step}: {e.Message}");
        }
    }

    /// <summary>Null when every selected tensor has a gradient of its own shape (one gradient) or <c>[n, ...]</c> with n ≥ 2 (samples), the same n everywhere.</summary>
    string? GradientShapes(CheckpointIndex index, out bool samples)
    {
        samples = false;
        long? n = null;
        bool? areSamples = null;
        foreach (var e in expected!)
        {
            var g = index.Find(e.Name);
            if (g is null) return $"no gradient for tensor '{e.Name}'; gradients are matched to parameters by name";
            if (!g.IsFloatingPoint) return $"gradient '{e.Name}' has dtype {g.DType}; gradients must be floating point";
            bool same = g.Shape.SequenceEqual(e.Shape);
            bool stacked = g.Shape.Length == e.Shape.Length + 1 && g.Shape.Skip(1).SequenceEqual(e.Shape);
            if (!same && !stacked) return $"gradient '{e.Name}' has shape [{string.Join(", ", g.Shape)}]; expected [{string.Join(", ", e.Shape)}] (one gradient) or [n, {string.Join(", ", e.Shape)}] (n samples)";
            if (areSamples is bool a && a != stacked) return "some tensors hold one gradient and others samples";
            areSamples = stacked;
            if (stacked)
            {
                if (n is long m && m != g.Shape[0]) return $"gradient '{e.Name}' has {g.Shape[0]} samples where others have {m}";
                n = g.Shape[0];
            }
        }
        if (n is < 2) return $"{n} gradient sample(s); C_α needs at least 2";
        samples = areSamples == true;
        return null;
    }

    static void Finite(List<MetricRecord> records, long step, string name, double value)
    {
        if (double.IsFinite(value)) records.Add(new(step, name, value));
    }

    void Note(string note)
    {
        if (!notes.Contains(note)) notes.Add(note);
    }

    /// <summary>Frees the kept tensors.</summary>
    public void Dispose()
    {
        window?.Dispose();
        first?.Dispose();
        previous?.Dispose();
    }
}
