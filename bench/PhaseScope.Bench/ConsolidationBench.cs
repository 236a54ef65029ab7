using System.Diagnostics;
using PhaseScope.Consolidation;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// Seed 003's costs on the reference modular model (p = 97, d_model 128, batch 512), in one run:
///   micro ratio  = time per step with C_α by k = 8 micro-batches every step ÷ plain step (target ≤ 1.3)
///   extra ratio  = time per step with C_α by n = 20 extra batches every step ÷ plain step
///   Lanczos      = time per Lanczos iteration ÷ plain step, and iterations to 1e-3 relative residual,
///                  at initialisation and after <c>trainedSteps</c> steps of training.
/// Configurations alternate within each round; ratios are taken within a round and the median printed.
/// </summary>
static class ConsolidationBench
{
    public static void Run(TaskData task, int steps, int rounds, int trainedSteps)
    {
        var options = new TrainerOptions { Steps = steps, BatchSize = 512, EvaluateEvery = int.MaxValue, Seed = 42 };
        double lastProbeMs = 0;
        double MsPerStep(Func<PreNormTransformer, PhaseMonitor?> monitorFor, int n, TrainerOptions? with = null)
        {
            using var model = BenchSetup.ReferenceModel(task);
            using var monitor = monitorFor(model);
            var r = new Trainer(task, model, (with ?? options) with { Steps = n }) { Monitor = monitor }.Run();
            lastProbeMs = 1000 * (monitor?.Timings.FirstOrDefault(t => t.Name == "consolidation")?.TotalSeconds ?? 0) / r.Steps;
            return 1000 * (r.WallSeconds - r.EvaluationSeconds) / r.Steps;
        }

        Console.WriteLine($"consolidation bench: modular add p=97, d_model 128, batch 512, {steps} steps × {rounds} rounds (+1 warm-up), {get_num_threads()} threads");
        var micro = new List<double>();
        var split = new List<double>();
        var probeSelf = new List<double>();
        var extra = new List<double>();
        var plainMs = new List<double>();
        for (int round = 0; round <= rounds; round++)
        {
            double plain = MsPerStep(_ => null, steps);
            double m = MsPerStep(model => new PhaseMonitor(model, [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 8, Schedule = ProbeSchedule.Every(1), BatchSize = 512 })]), steps);
            double mProbe = lastProbeMs;
            double sp = MsPerStep(model => new PhaseMonitor(model, [new SplitOnly(8)]), steps);
            double e = MsPerStep(model => new PhaseMonitor(model, [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.ExtraBatches, Samples = 20, Schedule = ProbeSchedule.Every(1), BatchSize = 512 })]), Math.Max(2, steps / 10));
            double plain2 = MsPerStep(_ => null, steps);
            if (round == 0) continue;
            double p = (plain + plain2) / 2;
            plainMs.Add(p);
            micro.Add(m / p);
            split.Add(sp / p);
            probeSelf.Add(mProbe / p);
            extra.Add(e / p);
        }
        double plainStep = BenchSetup.Median(plainMs);
        // The split's cost is mostly per-kernel dispatch (8 small passes instead of one); with the full
        // training set as the batch (4704 = 8 × 588) the same split is amortised over 9× more work.
        var fullBatch = options with { BatchSize = (int)task.TrainCount };
        var fullRatios = new List<double>();
        for (int round = 0; round <= rounds; round++)
        {
            int n = Math.Max(2, steps / 5);
            double plain = MsPerStep(_ => null, n, fullBatch);
            double m = MsPerStep(model => new PhaseMonitor(model, [new ConsolidationProbe(new ConsolidationOptions { Method = ConsolidationMethod.MicroBatches, Samples = 8, Schedule = ProbeSchedule.Every(1), BatchSize = (int)task.TrainCount })]), n, fullBatch);
            if (round > 0) fullRatios.Add(m / plain);
        }
        Console.WriteLine($"  plain step: {plainStep:F2} ms (rounds: {string.Join(", ", plainMs.Select(x => x.ToString("F2")))})");
        Console.WriteLine($"micro-batch C_α ratio (step with k = 8 micro-batches + probe ÷ plain step, target ≤ 1.3): {BenchSetup.Median(micro):F3}  (rounds: {string.Join(", ", micro.Select(x => x.ToString("F3")))})");
        Console.WriteLine($"  of which the split alone (8 micro-batch passes, a probe that does nothing): {BenchSetup.Median(split):F3} × plain step; "
            + $"the probe's own stopwatch (accumulator, tail index, bookkeeping): {BenchSetup.Median(probeSelf):F3} × plain step");
        Console.WriteLine($"  the same with the full training set as the batch ({task.TrainCount} examples, micro-batches of {task.TrainCount / 8}): {BenchSetup.Median(fullRatios):F3} × plain step  (rounds: {string.Join(", ", fullRatios.Select(x => x.ToString("F3")))})");
        Console.WriteLine($"extra-batch C_α ratio (step with n = 20 extra batches + probe ÷ plain step): {BenchSetup.Median(extra):F3}  (one estimate ≈ {BenchSetup.Median(extra) - 1:F1} plain steps)");

        foreach (int trained in new[] { 0, trainedSteps })
        {
            using var model = BenchSetup.ReferenceModel(task);
            if (trained > 0) new Trainer(task, model, options with { Steps = trained }).Run();
            var source = new TrainingLossSource(task, model, 512);
            var perIteration = new List<double>();
            int iterations = 0;
            bool converged = false;
            double lambda = 0, build = 0;
            for (int round = 0; round <= rounds; round++)
            {
                using var scope = NewDisposeScope();
                var sw = Stopwatch.StartNew();
                Tensor loss;
                using (enable_grad()) loss = source.LossOnBatch(7);
                using var hvp = new HessianVectorProduct(loss, model.parameters().ToArray());
                double b = sw.Elapsed.TotalMilliseconds;
                sw.Restart();
                var r = Lanczos.Run(hvp.Apply, hvp.Dimension, maxIterations: 100, tolerance: 1e-3, seed: 7);
                double ms = sw.Elapsed.TotalMilliseconds;
                if (round == 0) continue;
                perIteration.Add(ms / r.Iterations / plainStep);
                (iterations, converged, lambda, build) = (r.Iterations, r.Converged, r.LambdaMax, b);
            }
            Console.WriteLine($"Lanczos after {trained} training steps: {iterations} iterations to 1e-3 relative residual (converged: {converged}), λ_max = {lambda:G5}; "
                + $"one iteration = {BenchSetup.Median(perIteration):F2} plain steps; gradient with graph = {build / plainStep:F2} plain steps");
        }
    }

    /// <summary>Asks for the micro-batch split and does nothing with it: isolates the cost of the split itself.</summary>
    sealed class SplitOnly(int k) : IMicroBatchProbe
    {
        public string Name => "split_only";
        public ProbeNeeds Needs => ProbeNeeds.MicroBatchGradients;
        public ProbeSchedule Schedule { get; } = ProbeSchedule.Every(1);
        public int MicroBatches => k;
        public void ObserveMicroBatch(ProbeContext context, int index) { }
        public void Observe(ProbeContext context, ProbeOutput output) { }
    }
}
