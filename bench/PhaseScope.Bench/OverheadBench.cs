using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// The monitor's overhead in three configurations (issue 8), on the reference modular model (p = 97, d_model 128,
/// batch 512), each as time per step monitored ÷ time per step plain, taken within a round and the median printed:
/// <list type="bullet">
/// <item><b>cheap every step</b>: loss, gradient/parameter/update norms, distance from init (per tensor), the moments
/// summary (m∩, d₀, C(K,K), Q̂_α) and the spectral trajectory window (stride 1, W = 10) — target ≤ 1.10;</item>
/// <item><b>full every step</b>: the same plus C_α by k = 8 micro-batches and λ_max by 10 Lanczos iterations — target ≤ 5
/// (Cockpit reports 1.5× and 21× for its cheap and full sets);</item>
/// <item><b>full, curvature on 64</b>: the full set with the Hessian on 64 examples (<c>--curvature-batch 64</c>): each
/// Hessian-vector product then costs ≈ 2 steps of 64 examples instead of 512;</item>
/// <item><b>full every step, λ tracked</b> and <b>full, on 64, λ tracked</b>: the two above with λ_max followed by warm starts
/// (<see cref="PhaseScope.Consolidation.LambdaMaxTracker"/>, issue 26) — target ≤ 5;</item>
/// <item><b>default schedules</b>: every family as <c>phasescope grok</c> runs it with no probe flags (issue 21: cheap every
/// 10 steps, moments log-spaced with snapshots every 4th call, spectral stride 100, C_α by 8 micro-batches every 100,
/// λ_max every 2,000 with ≤ 20 iterations on a 64-example Hessian batch, weight spectra at every evaluation (every 100
/// steps here): <c>GrokSettings</c>), over <c>longSteps</c> steps — target ≤ 1.05 (issue 21). (Until 2026-11-24 this ran
/// 40 steps, which never reached λ_max's first call; until 2026-12-05 it had no snapshots, weight spectra or 64-example
/// curvature batch.)</item>
/// <item><b>rich schedules, budget 5 %</b>: the schedules the verdict sweeps use (C_α every 10, λ_max every 100; the
/// defaults before 2026-11-24, ≈ 1.35 × by themselves) under <c>--monitor-budget 0.05</c> (<see cref="MonitorBudget"/>),
/// over <c>longSteps</c> steps (the budget needs a warm-up of 20 steps and measures each probe once before it can
/// stretch it) — the budget's own promise is ≤ 1.05.</item>
/// </list>
/// Besides the wall ratio (monitored ÷ plain runs, adjacent in time) each configuration prints its stopwatch ratio,
/// wall ÷ (wall − time inside the monitor) of the monitored run alone: between-run noise on this shared machine is
/// ±10 % (two plain 2,000-step runs minutes apart: 33.7 and 38.4 ms per step), more than the 3–5 % targets, while the
/// training steps of a monitored run were within 0.3 % of plain ones (steps right after a dear probe call: +2 ms on
/// 82 of 2,000), so the stopwatch ratio is the steadier reading of the same quantity.
/// The weight-spectra probe runs at evaluation steps (every 100 here), so only the default configuration has it.
/// </summary>
static class OverheadBench
{
    /// <summary>Probes of each configuration, built fresh for each run.</summary>
    public static IReadOnlyList<IProbe> Cheap(int every) =>
    [
        .. CheapProbes.Create(every, perTensor: true),
        new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(every) }),
        new SpectralEdgeProbe(new SpectralEdgeOptions { Stride = every, Window = 10, Tensors = "all", BatchSize = 512 }),
    ];

    /// <summary>The full set with the curvature probe's Hessian on <paramref name="curvatureBatch"/> examples (null: 512).</summary>
    /// <param name="curvatureBatch">Examples of the Hessian's batch (null: 512).</param>
    /// <param name="tracked">λ_max by <see cref="PhaseScope.Consolidation.LambdaMaxTracker"/> (3-product warm starts, a cold
    /// 10-iteration check every 10 calls, and a cold restart whenever the warm residual exceeds 2 %) instead of 10 cold
    /// Lanczos iterations every step (issue 26).</param>
    public static IReadOnlyList<IProbe> Full(int? curvatureBatch, bool tracked = false)
    {
        var curvature = new CurvatureProbe(new CurvatureOptions { Schedule = ProbeSchedule.Every(1), MaxIterations = 10, Tolerance = 1e-12, BatchSize = curvatureBatch, Tracker = tracked ? new PhaseScope.Consolidation.LambdaMaxTracker(warmIterations: 3, lostResidual: 0.02, checkEvery: 10) : null });
        return [.. Cheap(1), curvature, new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 8, Schedule = ProbeSchedule.Every(1), BatchSize = 512 })];
    }

    /// <summary>The probes of <c>phasescope grok</c> with every family on by default (<c>GrokCommand.Train</c>:
    /// <c>GrokSettings.DefaultConsolidationEvery</c>, <c>DefaultCurvatureEvery</c>, <c>DefaultCurvatureBatch</c>,
    /// <c>MomentsSnapshotEvery</c>).</summary>
    public static IReadOnlyList<IProbe> Defaults()
    {
        var curvature = new CurvatureProbe(new CurvatureOptions { Schedule = ProbeSchedule.Every(2000), MaxIterations = 20, BatchSize = 64 });
        return
        [
            .. CheapProbes.Create(10),
            new MomentsProbe(new MomentsOptions { Snapshots = true, SnapshotEvery = 4 }),
            curvature,
            new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 8, Schedule = ProbeSchedule.Every(100), BatchSize = 512 }),
            new SpectralEdgeProbe(new SpectralEdgeOptions { BatchSize = 512 }),
            new WeightSpectraProbe(),
        ];
    }

    /// <summary>The schedules of the verdict sweeps (<c>SweepCommand.VerdictSchedules</c>).</summary>
    public static IReadOnlyList<IProbe> Rich() => Probes(consolidationEvery: 10, curvatureEvery: 100);

    static IReadOnlyList<IProbe> Probes(int consolidationEvery, int curvatureEvery)
    {
        var curvature = new CurvatureProbe(new CurvatureOptions { Schedule = ProbeSchedule.Every(curvatureEvery), MaxIterations = 20 });
        return
        [
            .. CheapProbes.Create(10, perTensor: true),
            new MomentsProbe(),
            curvature,
            new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 8, Schedule = ProbeSchedule.Every(consolidationEvery), BatchSize = 512 }),
            new SpectralEdgeProbe(new SpectralEdgeOptions { BatchSize = 512 }),
        ];
    }

    public static void Run(TaskData task, int steps, int rounds, int longSteps = 2000, string? only = null)
    {
        var probeMs = new Dictionary<(string Config, string Probe), List<double>>();
        var intervals = new List<string>();
        bool warmUp = true;
        (double Wall, double Stopwatch) MsPerStep(string name, Func<IReadOnlyList<IProbe>>? probes, bool isLong, double? budget)
        {
            // The warm-up round runs every configuration for `steps` steps: enough to compile and to fill one-time caches.
            // Evaluations (every 100 steps, for the weight spectra) are subtracted from the wall time below.
            var options = new TrainerOptions { Steps = isLong && !warmUp ? longSteps : steps, BatchSize = 512, EvaluateEvery = 100, Seed = 42 };
            using var model = BenchSetup.ReferenceModel(task);
            using var monitor = probes is null ? null : new PhaseMonitor(model, probes()) { Budget = budget is double b ? new MonitorBudget(b) : null };
            var r = new Trainer(task, model, options) { Monitor = monitor }.Run();
            if (monitor?.Budget is { } kept && !warmUp)
                intervals.Add(string.Join(", ", monitor.Events.Where(e => e.Kind == "budget_intervals").Select(e => $"step {e.Step}: {e.Message}").TakeLast(1)));
            double inside = 0;
            foreach (var t in monitor?.Timings ?? [])
            {
                inside += t.TotalSeconds;
                if (t.Disabled) Console.WriteLine($"  warning: probe {t.Name} was disabled in '{name}' (it failed)");
                if (warmUp) continue; // one-time costs (e.g. the spectral null law, cached per window shape) stay out
                (probeMs.TryGetValue((name, t.Name), out var l) ? l : probeMs[(name, t.Name)] = []).Add(t.TotalSeconds * 1000 / r.Steps);
            }
            double wall = r.WallSeconds - r.EvaluationSeconds;
            return (1000 * wall / r.Steps, wall / (wall - inside));
        }

        var configs = new (string Name, Func<IReadOnlyList<IProbe>> Probes, double Target, bool Long, double? Budget)[]
        {
            ("cheap every step", () => Cheap(1), 1.10, false, null),
            ("full every step", () => Full(null), 5, false, null),
            ("full, curvature on 64", () => Full(64), 5, false, null),
            ("full every step, λ tracked", () => Full(null, tracked: true), 5, false, null),
            ("full, on 64, λ tracked", () => Full(64, tracked: true), 5, false, null),
            ("default schedules", Defaults, 1.05, true, null),
            ("rich, budget 5%", Rich, 1.05, true, 0.05),
        };
        if (only is not null) configs = configs.Where(c => c.Name.Contains(only, StringComparison.Ordinal)).ToArray();
        Console.WriteLine($"overhead bench: modular add p=97, d_model 128, batch 512, {steps} steps ({longSteps} for the schedules) × {rounds} rounds (+1 warm-up), {get_num_threads()} threads");
        var plain = new List<double>();
        var ratios = configs.Select(_ => new List<double>()).ToArray();
        var stopwatch = configs.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round <= rounds; round++)
        {
            warmUp = round == 0;
            // Plain runs before and after the monitored ones: their mean is the round's baseline.
            double before = MsPerStep("plain", null, false, null).Wall;
            var ms = configs.Select(c => MsPerStep(c.Name, c.Probes, c.Long, c.Budget)).ToArray();
            double after = MsPerStep("plain", null, false, null).Wall;
            if (round == 0) continue;
            double baseline = (before + after) / 2;
            plain.Add(baseline);
            for (int c = 0; c < configs.Length; c++)
            {
                ratios[c].Add(ms[c].Wall / baseline);
                stopwatch[c].Add(ms[c].Stopwatch);
            }
        }
        Console.WriteLine($"  plain step {BenchSetup.Median(plain),8:F2} ms");
        for (int c = 0; c < configs.Length; c++)
        {
            var (name, _, target, isLong, _) = configs[c];
            Console.WriteLine($"  {name,-22} ratio {BenchSetup.Median(ratios[c]),7:F3}   stopwatch ratio {BenchSetup.Median(stopwatch[c]),7:F3}   (target ≤ {target:G}; {(isLong ? longSteps : steps)} steps; rounds: {string.Join(", ", ratios[c].Select(x => x.ToString("F3")))}; stopwatch: {string.Join(", ", stopwatch[c].Select(x => x.ToString("F3")))})");
            foreach (var ((config, probe), v) in probeMs.Where(kv => kv.Key.Config == name))
                Console.WriteLine($"      {probe,-16} {BenchSetup.Median(v),8:F3} ms/step");
        }
        Console.WriteLine($"  budget run ({longSteps} steps): last plan per round: {string.Join(" | ", intervals)}");
    }
}
