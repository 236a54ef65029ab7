using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PhaseScope.Consolidation;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Runtime;
using PhaseScope.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// PhaseScope against Cockpit (issue 26 item 2), side by side in one run: the peers' model — a one-hot MLP 194-256-256-97
/// on modular addition mod 97 (half the pairs, ≈ 140K parameters), batch 512 drawn at random each step, SGD lr 0.1 —
/// trained plainly and under PhaseScope's configurations that match Cockpit's, and, interleaved round by round,
/// <c>../shared/peers/cockpit/overhead.py</c> (Cockpit 1.0.2 on Debian's PyTorch) for one round of its own plain and
/// monitored runs. Each side's overhead is its time per step ÷ its own plain time per step in the same round, so the
/// ratio of ratios (PhaseScope ÷ Cockpit) does not depend on the two frameworks' plain speeds. Matching:
/// <list type="bullet">
/// <item>cheap: PhaseScope's cheap probes (loss, gradient/parameter/update norms, distance from init) ≈ Cockpit's
/// Loss + GradNorm + UpdateSize + Distance;</item>
/// <item>normtest / mean_gsnr: C_α by k = 8 micro-batches every step (gradient signal over noise from parts of the batch)
/// ≈ NormTest and MeanGSNR (per-example gradients through BackPACK);</item>
/// <item>hess_max_ev: λ_max by Lanczos every step (cold, ≤ 20 products, tolerance 1e-3) ≈ HessMaxEV; and tracked
/// (<see cref="LambdaMaxTracker"/>: 3-product warm starts, a cold check every 10 calls);</item>
/// <item>uᵀHu/uᵀu: the directional sharpness along the update (one Hessian-vector product on 64 or 512 examples every
/// step), the curvature the stability family reads every step, beside HessMaxEV (a different quantity: λ_max);</item>
/// <item>economy / full: every PhaseScope family every step (cheap, moments, spectral window, C_α, λ_max cold; and
/// tracked) ≈ Cockpit's "economy" and "full" configurations (which add histograms, alpha, TIC, …).</item>
/// </list>
/// Times are wall clock per step, PhaseScope's from its own loop here (no trainer, no evaluation).
/// </summary>
static class PeerBench
{
    const int P = 97, Batch = 512;

    sealed class Data : IDisposable
    {
        public Tensor X { get; }
        public Tensor Y { get; }
        public Data()
        {
            using var scope = NewDisposeScope();
            using var g = new Generator(0);
            var a = arange(P, ScalarType.Int64).repeat_interleave(P);
            var b = arange(P, ScalarType.Int64).repeat(P);
            var keep = randperm(P * P, generator: g).narrow(0, 0, P * P / 2);
            a = a.index_select(0, keep); b = b.index_select(0, keep);
            X = cat([nn.functional.one_hot(a, P), nn.functional.one_hot(b, P)], 1).to_type(ScalarType.Float32).DetachFromDisposeScope();
            Y = KeptScalar.With(P, m => a.add(b).remainder(m)).DetachFromDisposeScope();
        }
        public void Dispose() { X.Dispose(); Y.Dispose(); }
    }

    /// <summary>Loss on a random batch for the probes that need other batches (λ_max).</summary>
    sealed class LossSource(nn.Module<Tensor, Tensor> model, Data data) : ILossSource
    {
        public Tensor LossOnBatch(long batchSeed) => LossOnBatch(batchSeed, Batch);
        public Tensor LossOnBatch(long batchSeed, int batchSize)
        {
            using var g = new Generator((ulong)batchSeed);
            using var idx = randint(0, data.X.shape[0], [batchSize], ScalarType.Int64, generator: g);
            return nn.functional.cross_entropy(model.call(data.X.index_select(0, idx)), data.Y.index_select(0, idx));
        }
    }

    static nn.Module<Tensor, Tensor> Mlp() => nn.Sequential(
        ("fc1", nn.Linear(2 * P, 256)), ("relu1", nn.ReLU()), ("fc2", nn.Linear(256, 256)), ("relu2", nn.ReLU()), ("fc3", nn.Linear(256, P)));

    static CurvatureProbe Curvature(bool tracked) => new(new CurvatureOptions
    {
        Schedule = ProbeSchedule.Every(1), MaxIterations = 20, Tolerance = 1e-3,
        Tracker = tracked ? new LambdaMaxTracker(warmIterations: 3, lostResidual: 0.02, checkEvery: 10) : null,
    });

    /// <summary>The directional sharpness along the update, one Hessian-vector product every step (SGD: no preconditioned call).</summary>
    static StabilityProbe Directional(int examples) => new(new StabilityOptions { DirectionalEvery = 1, PreconditionedEvery = 0, BatchSize = examples });

    static ConsolidationProbe CAlpha() => new(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 8, Schedule = ProbeSchedule.Every(1), BatchSize = Batch });

    static IReadOnlyList<IProbe> Everything(bool tracked) =>
    [
        .. CheapProbes.Create(1, perTensor: true),
        new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1) }),
        new SpectralEdgeProbe(new SpectralEdgeOptions { Stride = 1, Window = 10, Tensors = "all", BatchSize = Batch }),
        Curvature(tracked), CAlpha(),
    ];

    /// <summary>
    /// Every family at every step with the curvature that costs one Hessian-vector product a step: the cheap set, moments,
    /// the spectral window (stride 1), C_α by 8 micro-batches, the directional sharpness uᵀHu/uᵀu on 64 examples, and
    /// λ_max tracked (warm starts) at the curvature probe's own schedule (every 100 steps) instead of every step.
    /// </summary>
    static IReadOnlyList<IProbe> EveryStep() =>
    [
        .. CheapProbes.Create(1, perTensor: true),
        new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1) }),
        new SpectralEdgeProbe(new SpectralEdgeOptions { Stride = 1, Window = 10, Tensors = "all", BatchSize = Batch }),
        new CurvatureProbe(new CurvatureOptions
        {
            Schedule = ProbeSchedule.Every(100), MaxIterations = 20, Tolerance = 1e-3,
            Tracker = new LambdaMaxTracker(warmIterations: 3, lostResidual: 0.02, checkEvery: 10),
        }),
        CAlpha(), Directional(64),
    ];

    /// <summary>
    /// (PhaseScope configuration, the Cockpit configuration it is compared with, heavy?, peer heavy?, probes). Heavy rows (λ_max and
    /// every family: Cockpit's cost 100–1000× a step) run <c>heavySteps</c> steps per round, the others <c>steps</c>; a peer
    /// is run with the heavy rows when it is heavy (Cockpit's economy beside the light every-step row, whose λ_max runs
    /// every 100 steps and so needs the light rows' length).
    /// </summary>
    static readonly (string Name, string Peer, bool Heavy, bool PeerHeavy, Func<IReadOnlyList<IProbe>> Probes)[] AllConfigs =
    [
        ("cheap", "cheap", false, false, () => CheapProbes.Create(1, perTensor: true)),
        ("C_α every step", "normtest", false, false, () => [CAlpha()]),
        ("C_α every step", "mean_gsnr", false, false, () => [CAlpha()]),
        ("every family every step, uᵀHu, λ tracked every 100", "economy", false, true, EveryStep),
        ("λ_max cold", "hess_max_ev", true, true, () => [Curvature(false)]),
        ("λ_max tracked", "hess_max_ev", true, true, () => [Curvature(true)]),
        ("uᵀHu/uᵀu, 64 examples", "hess_max_ev", true, true, () => [Directional(64)]),
        ("uᵀHu/uᵀu, 512 examples", "hess_max_ev", true, true, () => [Directional(Batch)]),
        ("all families, λ cold", "economy", true, true, () => Everything(false)),
        ("all families, λ tracked", "economy", true, true, () => Everything(true)),
        ("all families, λ cold", "full", true, true, () => Everything(false)),
        ("all families, λ tracked", "full", true, true, () => Everything(true)),
    ];

    /// <summary>The rows this run measures (<c>--only</c>: those whose name contains one of its comma-separated texts).</summary>
    static (string Name, string Peer, bool Heavy, bool PeerHeavy, Func<IReadOnlyList<IProbe>> Probes)[] Configs = AllConfigs;

    /// <summary>Per probe of a row, its stopwatch ms per step in each round, plus "(outside the probes)": the row's extra
    /// time per step less the probes' own (the split step of the micro-batch probes, the snapshot, the bookkeeping).</summary>
    static readonly Dictionary<string, Dictionary<string, List<double>>> Breakdown = [];

    static double SecondsPerStep(Data data, Func<IReadOnlyList<IProbe>>? probes, int steps) => Timed(data, probes, steps).Seconds;

    static (double Seconds, IReadOnlyList<ProbeTiming> Timings) Timed(Data data, Func<IReadOnlyList<IProbe>>? probes, int steps)
    {
        manual_seed(0);
        using var model = Mlp();
        using var sgd = optim.SGD(model.parameters(), 0.1);
        using var monitor = probes is null ? null : new PhaseMonitor(model, probes());
        if (monitor is not null) { monitor.LossSource = new LossSource(model, data); monitor.LearningRate = 0.1; }
        using var g = new Generator(1);
        var watch = Stopwatch.StartNew();
        for (int step = 1; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            sgd.zero_grad();
            var idx = randint(0, data.X.shape[0], [Batch], ScalarType.Int64, generator: g);
            var x = data.X.index_select(0, idx);
            var y = data.Y.index_select(0, idx);
            using var loss = MicroBatchBackward.Run(monitor, step, x, y, (xs, ys) =>
            {
                var l = nn.functional.cross_entropy(model.call(xs), ys);
                return (l, l);
            });
            monitor?.AfterBackward(step, loss);
            sgd.step();
            monitor?.AfterStep(step);
        }
        double seconds = watch.Elapsed.TotalSeconds / steps;
        // Checked after the timed loop: a disabled probe would make its configuration look cheap.
        if (monitor?.Timings.FirstOrDefault(t => t.Disabled) is { } failed)
            throw new InvalidOperationException($"probe {failed.Name} failed in the peer bench: {monitor.Events.LastOrDefault(e => e.Kind == "probe_failed")?.Message}");
        return (seconds, monitor?.Timings ?? []);
    }

    /// <summary>One round of the peer's rows (time per step ÷ its own plain, and its plain seconds per step); null (with the reason on stderr) when it cannot run.</summary>
    static (Dictionary<string, double> Ratios, double Plain)? PeerRound(string script, int steps, int threads, IEnumerable<string> configs)
    {
        var json = Path.Combine(Path.GetTempPath(), $"cockpit-{Environment.ProcessId}.json");
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--steps", steps.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture), "--configs", string.Join(",", configs), "--json", json }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Console.Error.WriteLine($"  peer failed (exit {p.ExitCode}): {err.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()}; install it with 'bash ../shared/peers/cockpit/install.sh'");
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        File.Delete(json);
        return (doc.RootElement.GetProperty("ratios").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetDouble()), doc.RootElement.GetProperty("plain_seconds").GetDouble());
    }

    /// <summary>One round of PhaseScope's rows of one weight class: ×plain per row and the plain seconds per step (mean of a plain run before and after).</summary>
    static (Dictionary<string, double> Ratios, double Plain) OurRound(Data data, bool heavy, int steps)
    {
        double before = SecondsPerStep(data, null, steps);
        var runs = Configs.Where(c => c.Heavy == heavy).Select(c => c.Name).Distinct().ToDictionary(n => n, n => Timed(data, Configs.First(c => c.Name == n).Probes, steps));
        double plain = (before + SecondsPerStep(data, null, steps)) / 2;
        foreach (var (name, run) in runs)
        {
            if (!Breakdown.TryGetValue(name, out var rows)) Breakdown[name] = rows = [];
            double inside = 0;
            foreach (var t in run.Timings)
            {
                (rows.TryGetValue(t.Name, out var l) ? l : rows[t.Name] = []).Add(1000 * t.TotalSeconds / steps);
                inside += t.TotalSeconds / steps;
            }
            (rows.TryGetValue("(outside the probes)", out var o) ? o : rows["(outside the probes)"] = []).Add(1000 * (run.Seconds - plain - inside));
        }
        return (runs.ToDictionary(kv => kv.Key, kv => kv.Value.Seconds / plain), plain);
    }

    /// <summary>Per row, the probes' ms per step (median over rounds) from the largest down.</summary>
    static void PrintBreakdown()
    {
        foreach (var (name, rows) in Breakdown)
            Console.WriteLine($"  {name}: " + string.Join(", ", rows.OrderByDescending(r => BenchSetup.Median(r.Value))
                .Select(r => FormattableString.Invariant($"{r.Key} {BenchSetup.Median(r.Value):F2}"))) + " ms/step");
    }

    static string Spread(List<double> v) => $"{BenchSetup.Median(v):F2} ({v.Min():F2}–{v.Max():F2})";

    /// <summary>
    /// Light rows at <paramref name="steps"/> steps, heavy rows at <paramref name="heavySteps"/>, <paramref name="rounds"/>
    /// interleaved rounds (PhaseScope's light and heavy rows, then the peer's, in each round) after one warm-up round of
    /// PhaseScope's. Per row: both tools' ×plain (median, min–max over rounds), the extra milliseconds per step
    /// (×plain − 1 times that round's plain step), and the ratio of extra costs (PhaseScope ×plain − 1) ÷ (Cockpit ×plain − 1).
    /// </summary>
    public static int Run(int steps, int heavySteps, int rounds, int threads, string script, string? only = null, bool peer = true)
    {
        if (peer && !File.Exists(script)) { Console.Error.WriteLine($"the peer script {script} does not exist; pass --peer PATH/cockpit_rows.py"); return 2; }
        if (only is not null)
        {
            var texts = only.Split(',', StringSplitOptions.RemoveEmptyEntries);
            Configs = AllConfigs.Where(c => texts.Any(t => c.Name.Contains(t, StringComparison.Ordinal))).ToArray();
            if (Configs.Length == 0) { Console.Error.WriteLine($"--only {only}: no peer row's name contains it; the rows are: {string.Join("; ", AllConfigs.Select(c => c.Name).Distinct())}"); return 2; }
        }
        using var data = new Data();
        var ours = Configs.Select(c => c.Name).Distinct().ToDictionary(n => n, _ => new List<double>());
        var oursMs = Configs.Select(c => c.Name).Distinct().ToDictionary(n => n, _ => new List<double>());
        var peers = Configs.Select(c => c.Peer).Distinct().ToDictionary(n => n, _ => new List<double>());
        var peerMs = Configs.Select(c => c.Peer).Distinct().ToDictionary(n => n, _ => new List<double>());
        var plainMs = new List<double>();
        Console.WriteLine($"peer bench: one-hot MLP 194-256-256-97, mod-97 addition, batch {Batch}, SGD 0.1; light rows {steps} steps, heavy rows {heavySteps} steps, {rounds} rounds (+1 warm-up), {threads} threads; peer {script}");
        SecondsPerStep(data, null, 5);
        for (int round = 0; round <= rounds; round++)
        {
            var light = OurRound(data, heavy: false, steps);
            var heavy = OurRound(data, heavy: true, heavySteps);
            if (round == 0) continue;
            plainMs.Add(1000 * light.Plain);
            foreach (var r in new[] { light, heavy })
                foreach (var (n, x) in r.Ratios) { ours[n].Add(x); oursMs[n].Add(1000 * (x - 1) * r.Plain); }
            string peerPlain = "not run";
            if (peer)
            {
                var lightConfigs = Configs.Where(c => !c.PeerHeavy).Select(c => c.Peer).Distinct().ToList();
                var heavyConfigs = Configs.Where(c => c.PeerHeavy).Select(c => c.Peer).Distinct().ToList();
                var lightPeer = lightConfigs.Count == 0 ? (Ratios: new Dictionary<string, double>(), Plain: double.NaN) : PeerRound(script, steps, threads, lightConfigs);
                var heavyPeer = heavyConfigs.Count == 0 ? (Ratios: new Dictionary<string, double>(), Plain: double.NaN) : PeerRound(script, heavySteps, threads, heavyConfigs);
                if (lightPeer is null || heavyPeer is null) return 1;
                foreach (var r in new[] { lightPeer.Value, heavyPeer.Value })
                    foreach (var (k, x) in r.Ratios) { peers[k].Add(x); peerMs[k].Add(1000 * (x - 1) * r.Plain); }
                peerPlain = $"{1000 * (double.IsNaN(lightPeer.Value.Plain) ? heavyPeer.Value.Plain : lightPeer.Value.Plain):F2}";
            }
            Console.WriteLine($"  round {round}: plain {1000 * light.Plain:F2} ms/step (peer {peerPlain}); "
                + string.Join(", ", ours.Select(kv => $"{kv.Key} {(kv.Value.Count > 0 ? kv.Value[^1] : double.NaN):F2}×")) + "; peer " + string.Join(", ", peers.Where(kv => kv.Value.Count > 0).Select(kv => $"{kv.Key} {kv.Value[^1]:F2}×")));
        }
        Console.WriteLine("  per probe (stopwatch ms/step, median over rounds):");
        PrintBreakdown();
        Console.WriteLine($"  plain step: PhaseScope {Spread(plainMs)} ms");
        Console.WriteLine("| PhaseScope | ×plain (min–max) | +ms/step | Cockpit | ×plain (min–max) | +ms/step | extra-cost ratio |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (name, peerName, heavy, _, _) in Configs)
        {
            if (ours[name].Count == 0) continue;
            double a = BenchSetup.Median(ours[name]);
            string theirs = peers[peerName].Count == 0 ? $"{peerName} | not run | — | —"
                : $"{peerName} | {Spread(peers[peerName])} | {BenchSetup.Median(peerMs[peerName]):F2} | {(a - 1) / (BenchSetup.Median(peers[peerName]) - 1):F3}";
            Console.WriteLine($"| {name}{(heavy ? $" ({heavySteps} steps)" : $" ({steps} steps)")} | {Spread(ours[name])} | {BenchSetup.Median(oursMs[name]):F2} | {theirs} |");
        }
        return 0;
    }
}
