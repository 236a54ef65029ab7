using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Training;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>The probes a grok run carries, from its settings.</summary>
static class GrokProbes
{
    /// <summary>The probes of a grok run, in the order the monitor runs them (curvature before consolidation, which reads
    /// its λ_max): the cheap probes, then each family the settings turn on, the task's own (<see cref="Tasks.GrokTask.Probes"/>) and,
    /// with <c>--stability</c>, the stability and softmax-absorption probes (after the optimizer step) and the instability risk they feed and, with TensorBoard,
    /// the histograms.</summary>
    internal static List<IProbe> Create(GrokSettings s, TaskData data, nn.Module<Tensor, Tensor> model, int batch, bool histograms)
    {
        var probes = CheapProbes.Create(s.ProbeEvery, s.PerTensor).ToList();
        if (s.Moments) probes.Add(new MomentsProbe(Grok.MomentsChoice.ProbeOptions(s.MomentsSnapshots)));
        if (s.Curvature) probes.Add(new CurvatureProbe(s.CurvatureOptions()));
        if (s.ConsolidationMethodName is { } method) probes.Add(new ConsolidationProbe(s.ConsolidationOptions(method, batch)));
        if (s.Spectral) probes.Add(new SpectralEdgeProbe(s.SpectralOptions(batch)));
        if (s.WeightSpectra) probes.Add(new WeightSpectraProbe());
        if (s.Llc is { } llcSettings) probes.Add(llcSettings.Probe(data.TrainCount, s.Trainer.Seed));
        probes.AddRange(Tasks.GrokTasks.Of(s).Probes(s, data, model));
        if (s.StabilityEvery is int stabilityEvery)
            probes.AddRange([
                new StabilityProbe(new StabilityOptions { DirectionalEvery = stabilityEvery, PreconditionedEvery = s.StabilityPreconditionedEvery ?? 0, BatchSize = s.StabilityBatch ?? Grok.StabilityChoice.DefaultBatch, Seed = s.Trainer.Seed }),
                new AbsorptionProbe(new TrainingLogitSource(data, model, float64: s.Trainer.Float64Softmax == true)), new InstabilityRiskProbe()]);
        if (histograms) probes.AddRange([HistogramProbe.ForWeightsAndGradients(), HistogramProbe.ForUpdates()]);
        return probes;
    }
}
