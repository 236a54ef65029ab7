using System.CommandLine;
using PhaseScope.Cli.Commands.Forget;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Training;

namespace PhaseScope.Tests.Cli;

/// <summary>grok's options come from its modules, each default is written once, and forget's probes are built from the
/// same modules.</summary>
public class GrokModuleTests
{
    static GrokSettings Bound(params string[] args)
    {
        var options = new GrokOptions();
        var command = new Command("grok");
        foreach (var o in options.All) command.Options.Add(o);
        return options.Bind(command.Parse(args));
    }

    static int Interval(ProbeSchedule? schedule) => Assert.IsType<ProbeSchedule.EveryN>(schedule).N;

    /// <summary>The documented defaults (README, docs/PERFORMANCE.md: λ_max every 2,000 steps on 64 examples, C_α every 100
    /// steps or every 10 under a controller; seed 003's 100 order statistics; seed 001's W = 10, stride 100 for the
    /// modular task) are what the bound settings carry.</summary>
    [Fact]
    public void TheBoundDefaultsAreTheDocumentedOnes()
    {
        var s = Bound("--steps", "5");
        Assert.Equal((2000, 64, 20, 1e-3), (s.CurvatureEvery, s.CurvatureBatch, s.LanczosIterations, s.LanczosTolerance));
        Assert.Equal(("micro", 8, 100, 5, 100), (s.ConsolidationMethodName, s.ConsolidationSampleCount, s.ConsolidationEvery, s.ConsolidationSmoothing, s.TailK));
        Assert.Equal((10, 100, "attention", 1.5, 1.2), (s.SpectralWindow, s.SpectralStride, s.SpectralTensors, s.GapOpen, s.GapCollapse));
        Assert.True(s.Moments && s.MomentsSnapshots && s.WeightSpectra);
        Assert.Equal(10, Bound("--steps", "5", "--adaptive-lr").ConsolidationEvery);
        var stability = Bound("--steps", "5", "--stability");
        Assert.Equal((1, 100, 64), (stability.StabilityEvery, stability.StabilityPreconditionedEvery, stability.StabilityBatch));
        Assert.Null(Bound("--steps", "5", "--curvature").CurvatureBatch);   // asked for: the training batch
    }

    /// <summary>A settings record made in code (a test, a library caller) gets the same family defaults as the command
    /// line: both read the modules' constants.</summary>
    [Fact]
    public void SettingsMadeInCodeHaveTheCommandLinesDefaults()
    {
        var line = Bound("--steps", "5", "--cheap-only");
        var code = new GrokSettings { Task = "modular", Trainer = new TrainerOptions(), OutDirectory = "runs" };
        Assert.Equal((line.CurvatureEvery, line.LanczosIterations, line.LanczosTolerance), (code.CurvatureEvery, code.LanczosIterations, code.LanczosTolerance));
        Assert.Equal((line.ConsolidationEvery, line.ConsolidationSmoothing, line.TailK, line.EarlyStopWindow, line.EarlyStopCriteria),
            (code.ConsolidationEvery, code.ConsolidationSmoothing, code.TailK, code.EarlyStopWindow, code.EarlyStopCriteria));
        Assert.Equal((line.SpectralWindow, line.SpectralStride, line.SpectralTensors, line.GapOpen, line.GapCollapse),
            (code.SpectralWindow, code.SpectralStride, code.SpectralTensors, code.GapOpen, code.GapCollapse));
    }

    /// <summary>Every option of grok appears once, and each module's options are all on the command.</summary>
    [Fact]
    public void EveryModulesOptionsAreOnTheCommandOnce()
    {
        var options = new GrokOptions();
        var names = options.All.Select(o => o.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        foreach (var module in options.AllModules)
            Assert.All(module.All, o => Assert.Contains(o.Name, names));
        Assert.Equal(9, options.AllModules.Count());
    }

    /// <summary>forget's probes, as its summary documents them for a batch of 128 and seed 7: moments with a snapshot every
    /// 4th call (every call with --moments-snapshots), λ_max on 64 examples every 200 steps with the Lanczos defaults, C_α
    /// from 8 micro-batches every 25 steps with seed 003's 100 order statistics, the spectral edge over every tensor.</summary>
    [Fact]
    public void ForgetsProbesAreBuiltWithTheModulesDefaults()
    {
        var probes = ForgetProbes.Create(10, allFamilies: true, everySnapshot: false, batchSize: 128, seed: 7);
        var moments = Assert.Single(probes.OfType<MomentsProbe>()).Options;
        Assert.Equal((true, 4), (moments.Snapshots, moments.SnapshotEvery));
        var curvature = Assert.Single(probes.OfType<CurvatureProbe>()).Options;
        Assert.Equal((200, 64, 20, 1e-3, 7L, false), (Interval(curvature.Schedule), curvature.BatchSize, curvature.MaxIterations, curvature.Tolerance, curvature.Seed, curvature.Tracker is not null));
        var consolidation = Assert.Single(probes.OfType<ConsolidationProbe>()).Options;
        Assert.Equal((ConsolidationMethod.MicroBatches, 8, 25, 100, 5, 128, false, 7L),
            (consolidation.Method, consolidation.Samples, Interval(consolidation.Schedule), consolidation.TailOrder, consolidation.Smoothing, consolidation.BatchSize, consolidation.PerTensor, consolidation.Seed));
        Assert.Single(probes.OfType<SpectralEdgeProbe>());
        var every = ForgetProbes.Create(10, allFamilies: false, everySnapshot: true, batchSize: 128, seed: 7);
        Assert.Equal(1, Assert.Single(every.OfType<MomentsProbe>()).Options.SnapshotEvery);
        Assert.Empty(every.OfType<CurvatureProbe>());
    }
}
