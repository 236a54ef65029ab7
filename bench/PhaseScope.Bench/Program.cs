using System.Globalization;
using PhaseScope.Bench;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Runtime;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

// Measures, in one run on the same model and data (modular addition p = 97, the reference transformer):
//   trainer ratio   = built-in Trainer steps/s ÷ hand-written TorchSharp loop steps/s     (target ≥ 0.95)
//   monitor ratio   = time/step with the cheap probes every step ÷ without monitor        (target ≤ 1.05)
// Configurations are interleaved round by round; each ratio is taken within a round (adjacent runs,
// so a slow spell of this shared machine hits both sides alike) and the median over rounds is
// printed. The monitor's own stopwatch share (time inside the monitor ÷ training time without it)
// is printed too: it does not depend on the machine's noise between runs. Usage:
//   dotnet run -c Release --project bench/PhaseScope.Bench -- [--steps 100] [--rounds 5] [--threads N] [--suite monitor|consolidation|spectral|moments|overhead]
// --suite consolidation runs ConsolidationBench (seed 003's costs) instead; --suite spectral runs SpectralBench (seed 001's window);
// --suite moments runs MomentsBench (seed 000's coupling surface); --no-reference skips its exact float64 reference (≈ 90 s).
// --suite overhead runs OverheadBench (cheap / full / default-schedule / budget ratios; --long-steps N, default 2000, for the
// last two; --only TEXT keeps the configurations whose name contains TEXT and skips the scaling table) and ScalingBench (cost against P,
// fitted exponent, STREAM-triad floor) in one run; --max-params 100000000 adds P = 10⁸ to the sizes 10⁵…10⁷;
// --suite scaling runs ScalingBench alone (with each probe's ms per step); --suite hidden runs HiddenCostBench (training
// steps of a budgeted run against plain ones: what the monitor costs outside its stopwatches; --long-steps per run);
// --suite peer runs PeerBench: PhaseScope's configurations and Cockpit's (--peer PATH, default bench/peers/cockpit_rows.py;
// install Cockpit with ../shared/peers/cockpit/install.sh) interleaved, light rows --steps steps and heavy rows --heavy-steps
// (default 20), and the ratio of extra costs per configuration (--only TEXT,TEXT keeps the rows whose name contains one of
// the texts, with their peers; --no-peer runs PhaseScope's rows alone);
// --suite memory runs MemoryBench (peak resident memory of each monitor configuration ÷ plain, one child process per
// configuration; --steps for the every-step ones, --long-steps for the default schedules);
// --suite hvp runs HvpCostBench (one Hessian-vector product, exact against the seed's per-tensor form and a forward
// difference, on 8…512 examples, and the difference's accuracy; --steps products per figure).
int steps = 100, rounds = 5;
int? threads = null;
string suite = "monitor";
string? only = null;
string peerScript = Path.Combine("bench", "peers", "cockpit_rows.py");
int heavySteps = 20;
long maxParams = 10_000_000;
int longSteps = 2000;
bool reference = true;
bool noPeer = false;   // peer: PhaseScope's rows only (Cockpit's figures taken from an earlier run)
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--suite": suite = args[++i]; break;
        case "--only": only = args[++i]; break;   // overhead: only the configurations whose name contains this text
        case "--peer": peerScript = args[++i]; break;   // peer: the Cockpit rows script
        case "--heavy-steps": heavySteps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;   // peer: steps of the heavy rows
        case "--max-params": maxParams = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--long-steps" or "--budget-steps": longSteps = int.Parse(args[++i], CultureInfo.InvariantCulture); break; // --budget-steps: its name before the defaults ran long too
        case "--no-reference": reference = false; break;
        case "--no-peer": noPeer = true; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}; use --steps N --rounds R --threads T --suite monitor|consolidation|spectral|moments|overhead|scaling|longrun|hidden|hvp|memory|peer --max-params P --long-steps N --no-reference --only TEXT --peer PATH --heavy-steps N --no-peer"); return 2;
    }
}
if (longSteps < 100) { Console.Error.WriteLine("--long-steps must be at least 100 (the budget's warm-up is 20 steps)"); return 2; }
if (steps < 1 || rounds < 1 || threads is < 1 || heavySteps < 1) { Console.Error.WriteLine("--steps, --rounds and --threads must be positive"); return 2; }
if (suite is not ("memory" or "memory-child" or "peer" or "hvp" or "monitor" or "consolidation" or "spectral" or "moments" or "overhead" or "scaling" or "longrun" or "hidden")) { Console.Error.WriteLine($"unknown suite '{suite}'; use monitor, consolidation, spectral, moments, overhead, scaling, longrun, hidden, hvp, memory or peer"); return 2; }
if (maxParams < 100_000) { Console.Error.WriteLine("--max-params must be at least 100000"); return 2; }
TorchRuntime.Initialize(threads);
if (suite == "peer") return PhaseScope.Bench.PeerBench.Run(steps, heavySteps, rounds, threads ?? 2, peerScript, only, peer: !noPeer);
if (suite == "moments")
{
    PhaseScope.Bench.MomentsBench.Run(rounds, reference);
    return 0;
}
if (suite == "longrun")
{
    PhaseScope.Bench.LongRunBench.Run(steps);
    return 0;
}
if (suite == "spectral")
{
    PhaseScope.Bench.SpectralBench.Run(rounds);
    return 0;
}

if (suite == "scaling")
{
    var sizes = new List<long>();
    for (long p = 100_000; p <= maxParams; p *= 10) sizes.Add(p);
    ScalingBench.Run(sizes, steps: 20);
    return 0;
}

using var task = ModularArithmetic.Create(97, ModularOperation.Add, 0.5, 42);
if (suite == "memory") return MemoryBench.Run(steps, longSteps, threads ?? 2);
if (suite == "memory-child") return MemoryBench.Child(task, only ?? "", steps);
if (suite == "hvp")
{
    HvpCostBench.Run(task, steps, trainedSteps: 1500);
    return 0;
}
if (suite == "hidden")
{
    HiddenCostBench.Run(task, longSteps, rounds, OverheadBench.Rich);
    return 0;
}
if (suite == "overhead")
{
    OverheadBench.Run(task, steps, rounds, longSteps, only);
    if (only is not null) return 0;   // a chosen subset: the scaling table is not asked for
    var sizes = new List<long>();
    for (long p = 100_000; p <= maxParams; p *= 10) sizes.Add(p);
    ScalingBench.Run(sizes, steps: 20);
    return 0;
}
if (suite == "consolidation")
{
    ConsolidationBench.Run(task, steps, rounds, trainedSteps: 1500);
    return 0;
}
var options = new TrainerOptions { Steps = steps, BatchSize = 512, EvaluateEvery = int.MaxValue, Seed = 42 };

PreNormTransformer NewModel() => BenchSetup.ReferenceModel(task);

var probeMs = new Dictionary<string, List<double>>();
var selfShare = new List<double>();
double Trainer(Func<PreNormTransformer, PhaseMonitor?> monitorFor, List<double>? share = null)
{
    using var model = NewModel();
    using var monitor = monitorFor(model);
    var r = new Trainer(task, model, options) { Monitor = monitor }.Run();
    foreach (var t in monitor?.Timings ?? [])
        (probeMs.TryGetValue(t.Name, out var l) ? l : probeMs[t.Name] = []).Add(t.TotalSeconds * 1000 / r.Steps);
    if (monitor is not null && share is not null)
    {
        double loop = r.WallSeconds - r.EvaluationSeconds;
        share.Add(monitor.TotalSeconds / (loop - monitor.TotalSeconds));
    }
    // The trainer evaluates once, at the last step; the hand-written loop does not, so leave it out.
    return r.Steps / (r.WallSeconds - r.EvaluationSeconds);
}

var configs = new (string Name, Func<double> StepsPerSecond)[]
{
    ("hand-written loop", () => { using var m = NewModel(); return HandWrittenLoop.StepsPerSecond(task, m, options); }),
    ("built-in trainer", () => Trainer(_ => null)),
    ("trainer + cheap probes every step", () => Trainer(m => new PhaseMonitor(m, CheapProbes.Create(every: 1, perTensor: true)), selfShare)),
    ("trainer + cheap probes every step + run store", () =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "phasescope-bench", Guid.NewGuid().ToString("N"));
        try
        {
            using var store = PhaseScope.Reporting.Store.RunStore.Create(dir, "bench", "bench", new Dictionary<string, string>());
            return Trainer(m => new PhaseMonitor(m, CheapProbes.Create(every: 1, perTensor: true), [store]));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }),
};

Console.WriteLine($"PhaseScope bench: modular add p=97, d_model 128, batch 512, {steps} steps × {rounds} rounds (+1 warm-up), {get_num_threads()} threads");
var samples = configs.Select(_ => new List<double>()).ToArray();
for (int round = 0; round <= rounds; round++)
    for (int c = 0; c < configs.Length; c++)
    {
        double sps = configs[c].StepsPerSecond();
        if (round > 0) samples[c].Add(sps);
    }

var med = samples.Select(s => BenchSetup.Median(s)).ToArray();
double RoundRatio(int a, int b) => BenchSetup.Median(samples[a].Zip(samples[b], (x, y) => x / y).ToList());
for (int c = 0; c < configs.Length; c++)
    Console.WriteLine($"  {configs[c].Name,-48} {med[c],8:F2} steps/s  (rounds: {string.Join(", ", samples[c].Select(x => x.ToString("F2")))})");
Console.WriteLine("  monitor cost per step (median over monitored runs):");
foreach (var (name, ms) in probeMs) Console.WriteLine($"    {name,-20} {BenchSetup.Median(ms),7:F3} ms");
Console.WriteLine($"  plain step: {1000 / med[1]:F2} ms");
Console.WriteLine($"trainer ratio (built-in ÷ hand-written steps/s, median of per-round ratios, target ≥ 0.95): {RoundRatio(1, 0):F3}");
Console.WriteLine($"monitor ratio (cheap probes every step ÷ plain trainer, time per step, median of per-round ratios, target ≤ 1.05): {RoundRatio(1, 2):F3}");
Console.WriteLine($"monitor + store ratio (same, writing every metric to the run store): {RoundRatio(1, 3):F3}");
Console.WriteLine($"monitor self-timed share (cheap probes, no sink: 1 + time inside the monitor ÷ the rest of the loop, median): {1 + BenchSetup.Median(selfShare):F3}");
return 0;
