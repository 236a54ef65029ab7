using System.Diagnostics;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Reporting.Store;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// Issue 8's long run: a small model (modular addition mod 23, one block, d_model 32, batch 64) trained for ≥ 50,000
/// steps with every probe that keeps state between steps attached (cheap probes every step, moments every 10 steps,
/// spectral window stride 10, C_α by 8 micro-batches every 10, λ_max every 500) and a real run store, sampling every
/// 1,000 steps the training thread's live TorchSharp tensors (<c>DisposeScopeManager.Statistics</c>: created − disposed),
/// the process's resident memory and the managed heap. Prints the samples and the least-squares slopes after the warm-up
/// (the first 10 % of steps): a leak of one tensor or a few bytes per step shows as a slope of 10⁴ per 10,000 steps.
/// </summary>
static class LongRunBench
{
    public static void Run(int steps)
    {
        using var task = ModularArithmetic.Create(23, ModularOperation.Add, 0.5, 42);
        manual_seed(42);
        using var model = new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 32, heads: 2, dFf: 64));
        var dir = Path.Combine(Path.GetTempPath(), $"phasescope-longrun-{Guid.NewGuid():N}");
        try
        {
            using var store = RunStore.Create(dir, "longrun", "bench", new Dictionary<string, string> { ["steps"] = steps.ToString() });
            var curvature = new CurvatureProbe(new CurvatureOptions { Schedule = ProbeSchedule.Every(500), MaxIterations = 10 });
            IProbe[] probes =
            [
                .. CheapProbes.Create(1, perTensor: true),
                new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(10) }),
                new SpectralEdgeProbe(new SpectralEdgeOptions { Stride = 10, Window = 10, Tensors = "all", BatchSize = 64 }),
                curvature,
                new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 8, Schedule = ProbeSchedule.Every(10), BatchSize = 64 }),
            ];
            using var monitor = new PhaseMonitor(model, probes, [store]);
            var samples = new List<(long Step, long Tensors, double RssMb, double HeapMb)>();
            var process = Process.GetCurrentProcess();
            var watch = Stopwatch.StartNew();
            void Sample(long step)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                process.Refresh();
                samples.Add((step, DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount,
                    process.WorkingSet64 / 1048576.0, GC.GetTotalMemory(false) / 1048576.0));
                var s = samples[^1];
                Console.WriteLine($"  step {s.Step,7}  live tensors {s.Tensors,7}  RSS {s.RssMb,8:F1} MB  managed {s.HeapMb,7:F1} MB  ({watch.Elapsed.TotalSeconds:F0} s)");
            }
            Console.WriteLine($"long run: {steps} monitored steps, modular add p=23, 1 block d_model 32, batch 64, all stateful probes, run store in {dir}");
            Sample(0);
            var options = new TrainerOptions { Steps = steps, BatchSize = 64, EvaluateEvery = 1000, Seed = 42, WeightDecay = 1.0 };
            var result = new Trainer(task, model, options) { Monitor = monitor, StepCompleted = s => { if (s % 1000 == 0) Sample(s); } }.Run();
            var failed = monitor.Events.Where(e => e.Kind is "probe_failed" or "sink_failed").ToList();
            Console.WriteLine($"  {result.Steps} steps in {result.WallSeconds:F0} s ({1000 * result.WallSeconds / result.Steps:F2} ms/step, monitor {result.MonitorSeconds / result.WallSeconds:P0}); " +
                $"final test accuracy {result.Final.TestAccuracy:F3}; failed probes/sinks: {failed.Count}{(failed.Count > 0 ? " — " + failed[0].Message : "")}");
            var after = samples.Where(s => s.Step >= steps / 10).ToList();
            Console.WriteLine($"  slopes after step {steps / 10} (least squares over {after.Count} samples), per 10,000 steps: " +
                $"live tensors {Slope(after, s => s.Tensors) * 1e4:+0.00;-0.00}, RSS {Slope(after, s => s.RssMb) * 1e4:+0.00;-0.00} MB, managed heap {Slope(after, s => s.HeapMb) * 1e4:+0.00;-0.00} MB");
            Console.WriteLine($"  live tensors min/max after warm-up: {after.Min(s => s.Tensors)}/{after.Max(s => s.Tensors)}; RSS min/max {after.Min(s => s.RssMb):F1}/{after.Max(s => s.RssMb):F1} MB");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Least-squares slope of y over the step.</summary>
    static double Slope(IReadOnlyList<(long Step, long Tensors, double RssMb, double HeapMb)> points, Func<(long Step, long Tensors, double RssMb, double HeapMb), double> y)
    {
        var xs = points.Select(p => (double)p.Step).ToArray();
        var ys = points.Select(y).ToArray();
        double mx = xs.Average(), my = ys.Average();
        double sxy = xs.Zip(ys, (x, v) => (x - mx) * (v - my)).Sum(), sxx = xs.Sum(x => (x - mx) * (x - mx));
        return sxx > 0 ? sxy / sxx : double.NaN;
    }
}
