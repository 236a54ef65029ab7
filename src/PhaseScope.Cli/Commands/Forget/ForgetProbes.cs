using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Cli.Commands.Grok;

namespace PhaseScope.Cli.Commands.Forget;

/// <summary>
/// The probes of a <c>forget</c> run. By default every family, at schedules sized for split MNIST's ≈ 950 steps on a
/// 270K-parameter MLP: moments (log-spaced, snapshots every 4th call), seed 001's spectral edge on every tensor (the
/// MLP has no attention projections), seed 003's consolidation ratio from k micro-batches every 25 steps, its curvature
/// (λ_max on a 64-example batch every 200 steps), weight spectra every 100 steps. <c>--cheap-only</c>: the cheap
/// probes and the moments series only (the readings around the switch are always taken). Each family's options come
/// from its grok module (<see cref="Grok.MomentsChoice"/>, <see cref="Grok.CurvatureChoice"/>,
/// <see cref="Grok.ConsolidationChoice"/>, <see cref="Grok.SpectralChoice"/>), with its defaults; only the schedules are
/// forget's own.
/// </summary>
public static class ForgetProbes
{
    /// <summary>Steps between consolidation measurements.</summary>
    public const int ConsolidationEvery = 25;
    /// <summary>Steps between λ_max measurements.</summary>
    public const int CurvatureEvery = 200;
    /// <summary>Steps between weight spectra (the 784×256 first layer's SVD costs ≈ 0.1 s).</summary>
    public const int WeightSpectraEvery = 100;
    /// <summary>Examples in the curvature probe's Hessian batch: the default-on curvature probe's.</summary>
    public const int CurvatureBatch = Grok.CurvatureChoice.DefaultBatch;

    /// <summary>The probes, in the order the monitor runs them (curvature before consolidation, which reads its λ_max).</summary>
    public static List<IProbe> Create(int probeEvery, bool allFamilies, bool everySnapshot, int batchSize, int seed)
    {
        var probes = CheapProbes.Create(probeEvery).ToList();
        bool snapshots = everySnapshot || allFamilies;
        probes.Add(new MomentsProbe(Grok.MomentsChoice.ProbeOptions(snapshots, everyCall: everySnapshot)));
        if (!allFamilies) return probes;
        probes.Add(new CurvatureProbe(Grok.CurvatureChoice.ProbeOptions(CurvatureEvery, seed, CurvatureBatch)));
        if (TaskDefaults.DividingMicroBatches(batchSize) is int k)
            probes.Add(new ConsolidationProbe(Grok.ConsolidationChoice.ProbeOptions(micro: true, k, ConsolidationEvery, batchSize, seed)));
        probes.Add(new SpectralEdgeProbe(Grok.SpectralChoice.ProbeOptions(tensors: null, batchSize, seed)));
        probes.Add(new WeightSpectraProbe(schedule: ProbeSchedule.Every(WeightSpectraEvery)));
        return probes;
    }
}
