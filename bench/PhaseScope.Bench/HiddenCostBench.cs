using System.Diagnostics;
using PhaseScope.Monitoring;
using PhaseScope.Training;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// What the monitor costs outside its own stopwatches (issue 8): the budget counts as training time everything that is
/// not inside a probe call or the monitor's bookkeeping, so a monitor that slowed the training steps themselves (caches
/// evicted by a one-second Lanczos call, the garbage collector, the allocator) would overspend unseen. A clock probe
/// (no needs, every step, never stretched) timestamps the end of every step of a plain run and of a run with the rich
/// schedules under a 5 % budget; each step's training time is its wall time minus the monitor's time during it. Prints,
/// per round, the mean and median training step of both runs, and of the budget run's steps with a dear call (≥ 5 ms of
/// monitor time), the steps right after one, and the rest.
/// </summary>
static class HiddenCostBench
{
    /// <summary>Timestamps each step's end; <see cref="Monitor"/> is set once the monitor exists.</summary>
    sealed class StepClock : IProbe
    {
        public PhaseMonitor? Monitor;
        public readonly List<(double Train, double Inside)> Steps = [];
        long last;
        double lastInside;
        public string Name => "step_clock";
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule { get; } = ProbeSchedule.Every(1);
        public bool FixedSchedule => true;

        public void Observe(ProbeContext context, ProbeOutput output)
        {
            long now = Stopwatch.GetTimestamp();
            double inside = Monitor!.Timings.Where(t => t.Name != Name).Sum(t => t.TotalSeconds);
            if (last != 0) Steps.Add(((now - last) / (double)Stopwatch.Frequency - (inside - lastInside), inside - lastInside));
            last = now;
            lastInside = inside;
        }
    }

    public static void Run(TaskData task, int steps, int rounds, Func<IReadOnlyList<IProbe>> probes)
    {
        List<(double Train, double Inside)> Go(bool monitored)
        {
            using var model = BenchSetup.ReferenceModel(task);
            var clock = new StepClock();
            using var monitor = new PhaseMonitor(model, monitored ? [.. probes(), clock] : [clock]) { Budget = monitored ? new MonitorBudget(0.05) : null };
            clock.Monitor = monitor;
            new Trainer(task, model, new TrainerOptions { Steps = steps, BatchSize = 512, EvaluateEvery = int.MaxValue, Seed = 42 }) { Monitor = monitor }.Run();
            return clock.Steps.Skip(20).ToList(); // the first steps compile and warm up
        }
        static string Ms(IEnumerable<double> seconds)
        {
            var v = seconds.ToList();
            return v.Count == 0 ? "—" : $"mean {1e3 * v.Average(),6:F2} median {1e3 * BenchSetup.Median(v),6:F2} ms (n = {v.Count})";
        }

        Console.WriteLine($"hidden-cost bench: modular add p=97, {steps} steps, plain vs rich schedules under a 5 % budget, {rounds} rounds, {get_num_threads()} threads");
        for (int round = 1; round <= rounds; round++)
        {
            var before = Go(false);
            var budget = Go(true);
            var after = Go(false);
            var dear = budget.Select(s => s.Inside >= 5e-3).ToList();
            Console.WriteLine($"  round {round}");
            Console.WriteLine($"    plain before        {Ms(before.Select(s => s.Train))}");
            Console.WriteLine($"    plain after         {Ms(after.Select(s => s.Train))}");
            Console.WriteLine($"    budget, all steps   {Ms(budget.Select(s => s.Train))}   monitor {1e3 * budget.Average(s => s.Inside):F2} ms/step");
            Console.WriteLine($"      with a dear call  {Ms(budget.Where((_, i) => dear[i]).Select(s => s.Train))}");
            Console.WriteLine($"      right after one   {Ms(budget.Where((_, i) => i > 0 && dear[i - 1] && !dear[i]).Select(s => s.Train))}");
            Console.WriteLine($"      the rest          {Ms(budget.Where((_, i) => !dear[i] && !(i > 0 && dear[i - 1])).Select(s => s.Train))}");
        }
    }
}
