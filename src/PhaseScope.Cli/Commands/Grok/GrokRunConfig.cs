using System.Globalization;
using PhaseScope.Training;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// A grok run's config table in the run store (<c>config</c>): what <c>runs</c>, <c>report</c> and <c>compare</c> show,
/// and what <c>grok --resume</c> names when the settings changed. Family settings appear only when the family is on.
/// </summary>
public static class GrokRunConfig
{
    /// <summary>The settings as the run's config table: the run's own settings, the optimizer's, each family's that is on,
    /// the controllers', the task's and the activation, in that order.</summary>
    public static Dictionary<string, string> ToConfig(this GrokSettings s)
    {
        var c = Core(s);
        AddOptimizer(s, c);
        AddFamilies(s, c);
        if (s.AdaptiveLr) c["lr_bands"] = s.LrBands ?? "seed";
        if (s.AdaptiveLr || s.EarlyStop) c["control_after"] = s.ControlAfter.ToString(CultureInfo.InvariantCulture);
        Tasks.GrokTasks.Of(s).AddConfig(s, c);
        if (s.Activation is not null) c["activation"] = s.Activation;
        return c;
    }

    static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The settings every run has: task, seeds, trainer, model shape, probes switched on.</summary>
    static Dictionary<string, string> Core(GrokSettings s) => new()
    {
        ["task"] = s.Task, ["seed"] = s.Trainer.Seed.ToString(CultureInfo.InvariantCulture), ["data_seed"] = s.DataSeed.ToString(CultureInfo.InvariantCulture),
        ["steps"] = s.Trainer.Steps.ToString(CultureInfo.InvariantCulture), ["batch_size"] = s.Trainer.BatchSize.ToString(CultureInfo.InvariantCulture), ["lr"] = F(s.Trainer.LearningRate),
        ["beta1"] = F(s.Trainer.Beta1), ["beta2"] = F(s.Trainer.Beta2), ["weight_decay"] = F(s.Trainer.WeightDecay),
        ["clip"] = F(s.Trainer.GradientClip), ["eval_every"] = s.Trainer.EvaluateEvery.ToString(CultureInfo.InvariantCulture),
        ["layers"] = s.Layers.ToString(CultureInfo.InvariantCulture), ["d_model"] = s.DModel.ToString(CultureInfo.InvariantCulture), ["heads"] = s.Heads.ToString(CultureInfo.InvariantCulture), ["d_ff"] = s.DFf.ToString(CultureInfo.InvariantCulture),
        ["probe_every"] = s.ProbeEvery.ToString(CultureInfo.InvariantCulture), ["per_tensor"] = s.PerTensor ? "true" : "false",
        ["threads"] = (s.Threads ?? Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
        ["tensorboard"] = s.TensorBoard ? "true" : "false",
        ["moments"] = s.Moments ? "true" : "false",
        ["moments_snapshots"] = s.MomentsSnapshots ? "true" : "false",
        ["consolidation"] = s.ConsolidationMethodName ?? "off",
        ["curvature"] = s.Curvature ? "true" : "false",
        ["adaptive_lr"] = s.AdaptiveLr ? "true" : "false",
        ["early_stop"] = s.EarlyStop ? s.EarlyStopCriteria : "off",
        ["spectral"] = s.Spectral ? "true" : "false",
        ["weight_spectra"] = s.WeightSpectra ? "true" : "false",
        ["monitor_budget"] = s.MonitorBudget is double mb ? F(mb) : "off",
        [PhaseScope.Diagnosis.DiagnosisBuilder.GrokThresholdKey] = PhaseScope.Diagnosis.DiagnosisBuilder.ConfigValue(s.Trainer.GrokThreshold),
    };

    static void AddOptimizer(GrokSettings s, Dictionary<string, string> c)
    {
        if (s.Trainer.Optimizer is { } optimizer)
        {
            c["optimizer"] = optimizer;
            if (optimizer == TrainerOptions.MuonName)
            {
                c["muon_lr"] = F(s.Trainer.MuonLearningRate ?? PhaseScope.Training.Optimizers.Muon.DefaultLearningRate);
                c["muon_momentum"] = F(s.Trainer.MuonMomentum ?? PhaseScope.Training.Optimizers.Muon.DefaultMomentum);
            }
        }
    }

    /// <summary>The settings of each family that is on.</summary>
    static void AddFamilies(GrokSettings s, Dictionary<string, string> c)
    {
        if (s.Spectral)
        {
            c["spectral_window"] = s.SpectralWindow.ToString(CultureInfo.InvariantCulture);
            c["spectral_stride"] = s.SpectralStride.ToString(CultureInfo.InvariantCulture);
            c["spectral_tensors"] = s.SpectralTensors;
            c["gap_open"] = F(s.GapOpen);
            c["gap_collapse"] = F(s.GapCollapse);
            if (s.SpectralSketch is long sk) c["spectral_sketch"] = sk.ToString(CultureInfo.InvariantCulture);
            if (s.SpectralDecompose > 0) c["spectral_decompose"] = s.SpectralDecompose.ToString(CultureInfo.InvariantCulture);
        }
        if (s.ConsolidationMethodName is not null)
        {
            c["consolidation_samples"] = s.ConsolidationSampleCount.ToString(CultureInfo.InvariantCulture);
            c["consolidation_every"] = s.ConsolidationEvery.ToString(CultureInfo.InvariantCulture);
        }
        if (s.Curvature)
        {
            c["curvature_every"] = s.CurvatureEvery.ToString(CultureInfo.InvariantCulture);
            if (s.CurvatureBatch is int cb) c["curvature_batch"] = cb.ToString(CultureInfo.InvariantCulture);
            if (s.CurvatureTrack is int ct) c["curvature_track"] = ct.ToString(CultureInfo.InvariantCulture);
            c["lanczos_iterations"] = s.LanczosIterations.ToString(CultureInfo.InvariantCulture);
            c["lanczos_tolerance"] = F(s.LanczosTolerance);
        }
        if (s.StabilityEvery is int se)
        {
            c["stability_every"] = se.ToString(CultureInfo.InvariantCulture);
            c["stability_preconditioned_every"] = (s.StabilityPreconditionedEvery ?? 0).ToString(CultureInfo.InvariantCulture);
            c["stability_batch"] = (s.StabilityBatch ?? 0).ToString(CultureInfo.InvariantCulture);
        }
        if (s.Trainer.Float64Softmax == true) c["float64_softmax"] = "true";
        if (s.Trainer.AdamEpsilon is double eps) c["adam_eps"] = F(eps);
        if (s.Trainer.WarmupSteps is int warmup) c["warmup"] = warmup.ToString(CultureInfo.InvariantCulture);
        if (s.ConsolidationMethodName is not null) c["tail_k"] = s.TailK.ToString(CultureInfo.InvariantCulture);
        s.Llc?.AddTo(c);
        s.Instability?.AddTo(c);
    }
}
