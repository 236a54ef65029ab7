using PhaseScope.Monitoring;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Monitoring;

public class MonitorBudgetTests
{
    /// <summary>
    /// Worked by hand: 1 ms per step for the monitor; C (fixed, every 5, 1 ms) takes 0.2 ms/step, leaving 0.8.
    /// A (every 1, 0.1 ms) is under an equal share (0.4) and keeps its schedule, leaving 0.7 for B
    /// (every 10, 20 ms = 2 ms/step): k = ⌈20 / (0.7·10)⌉ = 3, i.e. every 30 steps.
    /// </summary>
    [Fact]
    public void WaterFillingMatchesTheHandComputedPlan()
    {
        var plan = MonitorBudget.Plan(1e-3, [("A", 1, true, 1e-4), ("B", 10, true, 20e-3), ("C", 5, false, 1e-3)]);
        Assert.Equal(1, plan["A"]);
        Assert.Equal(3, plan["B"]);
        Assert.Equal(1, plan["C"]);
    }

    /// <summary>On random probe sets whose fixed part fits the budget, the plan keeps within it, leaves probes that fit
    /// their base schedule alone, and stretches no probe further than its share needs (k − 1 would exceed the share).</summary>
    [Fact]
    public void PlansKeepWithinTheBudgetAndStretchNoMoreThanNeeded()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 2000; trial++)
        {
            int n = rng.Next(1, 8);
            var probes = Enumerable.Range(0, n).Select(i => ($"p{i}", rng.Next(1, 50), rng.NextDouble() < 0.8, Math.Pow(10, -6 + 4 * rng.NextDouble()))).ToList();
            double fixedRate = probes.Where(p => !p.Item3).Sum(p => p.Item4 / p.Item2);
            double budget = fixedRate + Math.Pow(10, -6 + 3 * rng.NextDouble());
            var plan = MonitorBudget.Plan(budget, probes);
            double total = probes.Sum(p => p.Item4 / (p.Item2 * (double)plan[p.Item1]));
            Assert.True(total <= budget * (1 + 1e-12), $"trial {trial}: {total} > {budget}");
            Assert.All(probes.Where(p => !p.Item3), p => Assert.Equal(1, plan[p.Item1]));
            // Every stretched probe is at the smallest k that fits the smallest share a stretched probe got.
            var stretched = probes.Where(p => plan[p.Item1] > 1).ToList();
            if (stretched.Count == 0) continue;
            double share = (budget - probes.Where(p => plan[p.Item1] == 1).Sum(p => p.Item4 / p.Item2)) / stretched.Count;
            foreach (var p in stretched)
                Assert.True(p.Item4 / (p.Item2 * (plan[p.Item1] - 1.0)) > share * (1 - 1e-9), $"trial {trial}: {p.Item1} stretched beyond its share");
        }
    }

    /// <summary>A micro-batch probe that costs 0.5 ms per micro-batch call and nothing in its main call.</summary>
    sealed class SplittingProbe(ManualClock clock) : IMicroBatchProbe
    {
        public string Name => "splitting";
        public ProbeNeeds Needs => ProbeNeeds.MicroBatchGradients;
        public ProbeSchedule Schedule { get; } = ProbeSchedule.Every(4);
        public int MicroBatches => 2;
        public void ObserveMicroBatch(ProbeContext context, int index) => clock.Advance(0.5);
        public void Observe(ProbeContext context, ProbeOutput output) { }
    }

    /// <summary>
    /// A split step's extra forward/backward time is the splitting probe's cost: unsplit passes take 10, 12 and 11 ms
    /// (median 11), the split one 30 ms of which 1 ms is the probe's own two micro-batch calls, so 30 − 1 − 11 = 18 ms
    /// is charged to it (by hand); unsplit steps charge nothing.
    /// </summary>
    [Fact]
    public void TheExtraTimeOfASplitStepIsChargedToTheProbeThatAskedForIt()
    {
        var p = new Parameter(zeros(3));
        var clock = new ManualClock();
        var probe = new SplittingProbe(clock);
        using var monitor = new PhaseMonitor([new NamedParameter("p", p)], [probe], []) { Clock = clock };
        double[] passMs = [10, 12, 11, 30];
        for (int step = 1; step <= 4; step++)
        {
            Assert.Equal(step == 4 ? 2 : 1, monitor.MicroBatchesDue(step));
            if (step == 4) { monitor.AfterMicroBatch(step, 0); monitor.AfterMicroBatch(step, 1); }
            monitor.ForwardBackwardTook(step, passMs[step - 1] / 1000);
            monitor.AfterBackward(step);
            monitor.AfterStep(step);
        }
        var timing = monitor.Timings.Single(t => t.Name == "splitting");
        Assert.Equal(0.001 + 0.018, timing.TotalSeconds, 9);
    }

    sealed class PriorProbe(double stepsPerCall) : IProbe
    {
        public List<long> Steps { get; } = [];
        public string Name => "prior";
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule { get; } = ProbeSchedule.Every(5);
        public double? EstimatedStepsPerCall => stepsPerCall;
        public void Observe(ProbeContext context, ProbeOutput output) => Steps.Add(context.Step);
    }

    /// <summary>A probe with a prior of 10 steps per call under a 10 % budget first runs when 0.1·step ≥ 10: at step 100,
    /// the first multiple of its every-5 schedule there; without a prior, at step 5.</summary>
    [Fact]
    public void APriorCostHoldsTheFirstCallBackUntilTheBudgetCoversIt()
    {
        var p = new Parameter(zeros(3));
        foreach (var (prior, first) in new[] { (10.0, 100L), (0.0, 5L) })
        {
            var probe = new PriorProbe(prior);
            var clock = new ManualClock(); // 3 ms training steps, free probe calls and bookkeeping: never in debt
            using var monitor = new PhaseMonitor([new NamedParameter("p", p)], [probe], []) { Budget = new MonitorBudget(0.10), Clock = clock };
            for (int step = 1; step <= 120; step++)
            {
                monitor.AfterBackward(step);
                clock.Advance(3);
                monitor.AfterStep(step);
            }
            Assert.Equal(first, probe.Steps[0]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new MonitorBudget(0.1).SetPrior("x", double.NaN));
    }

    sealed class ManualClock : TimeProvider
    {
        long ticks = 1;
        public override long TimestampFrequency => 1_000_000;
        public override long GetTimestamp() => ticks;
        public void Advance(double milliseconds) => ticks += (long)Math.Round(milliseconds * 1e3);
    }

    sealed class CostlyProbe(string name, ManualClock clock, double milliseconds, int every, Func<long, bool>? emitAt = null) : IProbe
    {
        public List<long> Steps { get; } = [];
        public string Name => name;
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule { get; } = ProbeSchedule.Every(every);
        public void Observe(ProbeContext context, ProbeOutput output)
        {
            Steps.Add(context.Step);
            clock.Advance(milliseconds);
            if (emitAt?.Invoke(context.Step) == true) output.Event("test_transition", "a transition");
        }
    }

    /// <summary>
    /// A probe costing 12 ms per call on a 3 ms step under a 10 % budget cannot run every step (it would be 400 %): the
    /// monitor stretches it (logged as budget_intervals and monitor/interval/slow), while a probe that costs 1 µs (its
    /// share is 0.15 ms per step) keeps its schedule; the slow probe's own event opens a transition window in which it
    /// runs every step. Time is a manual clock, so the costs are exact: the slow probe alone has the 0.3 ms budget left
    /// after the cheap one's 0.001 ms, k = ⌈12 / 0.299⌉ = 41.
    /// </summary>
    [Fact]
    public void MonitorStretchesCostlyProbesAndSamplesDenselyDuringTransitions()
    {
        var p = new Parameter(zeros(3));
        var sink = new CollectingSink();
        var clock = new ManualClock();
        bool fired = false;
        var slow = new CostlyProbe("slow", clock, 12, 1, step => step >= 700 && !fired && (fired = true));
        var cheap = new CostlyProbe("cheap", clock, 0.001, 1);
        using var monitor = new PhaseMonitor([new NamedParameter("p", p)], [slow, cheap], [sink])
        {
            Budget = new MonitorBudget(0.10, replanEvery: 50, warmupSteps: 20, transitionSteps: 30),
            Clock = clock,
        };
        for (int step = 1; step <= 900; step++)
        {
            monitor.AfterBackward(step);
            clock.Advance(3);
            monitor.AfterStep(step);
        }

        Assert.Equal(900, cheap.Steps.Count);
        var plan = sink.Events.First(e => e.Kind == "budget_intervals");
        Assert.Contains("slow every", plan.Message);
        double interval = sink.Metrics.Last(m => m.Name == "monitor/interval/slow" && m.Step < 700).Value;
        Assert.Equal(41, interval);
        var between = slow.Steps.Where(s => s is > 200 and < 700).ToList();
        Assert.InRange(between.Count, 499 / 41, 499 / 41 + 1);
        // The event (the slow probe's first run from step 700 on) suspends the budget: the next 29 steps all run it.
        long fire = slow.Steps.First(s => s >= 700);
        Assert.Contains(sink.Events, e => e.Kind == "budget_suspended" && e.Step == fire);
        Assert.Equal(Enumerable.Range((int)fire + 1, 29).Select(i => (long)i), slow.Steps.Where(s => s > fire && s < fire + 30));
    }

    /// <summary>
    /// The run's account: the same slow probe (12 ms per call, 3 ms steps, 10 % budget, plans every 50 steps from step 20)
    /// and a transition at its first call from step 700 on, in which it runs every step for 30 steps — 360 ms where the plan
    /// allowed 9. Without the account that excess stays (over 4,000 steps ≈ 1.28 × the budget, by hand: 12/41 + 0.001 ms
    /// per step plus 351 ms); with it the plans after the window repay it (at most 0.15 ms per step: ≈ 2,300 steps), and
    /// from the first plan to the end the probes' time (counted here from their calls, at their exact manual-clock costs)
    /// is within b × training time plus two slow calls (the account's slack of one call, and one just made).
    /// </summary>
    [Fact]
    public void TransitionSpendingIsRepaidSoTheRunStaysWithinTheBudget()
    {
        var p = new Parameter(zeros(3));
        var clock = new ManualClock();
        bool fired = false;
        var slow = new CostlyProbe("slow", clock, 12, 1, step => step >= 700 && !fired && (fired = true));
        var cheap = new CostlyProbe("cheap", clock, 0.001, 1);
        var budget = new MonitorBudget(0.10, replanEvery: 50, warmupSteps: 20, transitionSteps: 30);
        using var monitor = new PhaseMonitor([new NamedParameter("p", p)], [slow, cheap], []) { Budget = budget, Clock = clock };
        const int steps = 4000;
        for (int step = 1; step <= steps; step++)
        {
            monitor.AfterBackward(step);
            clock.Advance(3);
            monitor.AfterStep(step);
        }
        long fire = slow.Steps.First(s => s >= 700);
        Assert.Equal(Enumerable.Range((int)fire + 1, 29).Select(i => (long)i), slow.Steps.Where(s => s > fire && s < fire + 30));
        Assert.Equal(steps, cheap.Steps.Count);   // repayment takes at most half the budget: the cheap probe keeps its schedule
        double spent = 12 * slow.Steps.Count(s => s > 20) + 0.001 * cheap.Steps.Count(s => s > 20);
        double allowed = 0.10 * 3 * (steps - 20);
        // slack: the one call of the dearest probe that the account treats as lumpiness, and the call that may have just run
        Assert.True(spent <= allowed + 2 * 12, $"monitor {spent:F1} ms after the warm-up against a budget of {allowed:F1} ms");
        // and the account did not starve the probe: it still ran after repaying
        Assert.Contains(slow.Steps, s => s > 2500);
    }

    /// <summary>
    /// Plans by hand: 3 ms steps, a 10 % budget (0.3 ms per step), 200-step windows at 4× (their extra allowance is
    /// 3 × 0.3 ms × 200 = 180 ms). Two probes measured once at base 1: "mid" at 25 ms per call and a second one at 500 ms
    /// ("dear") or 150 ms ("lumpy"). The equal share 0.15 ms gives ⌈25/0.15⌉ = 167 and ⌈500/0.15⌉ = 3334 or
    /// ⌈150/0.15⌉ = 1000; the boosted share 0.6 ms gives 42 and ⌈500/0.6⌉ = 834 or 250. A window boosts only a probe it runs
    /// at least <see cref="MonitorBudget.DenseCallsPerWindow"/> times (a boosted interval ≤ 200/4 = 50 steps): "mid" gets
    /// 42, while "dear" keeps 3334 and "lumpy" 1000 — "lumpy" although one call (150 ms) costs less than the window's
    /// 180 ms, which the cost rule before 2026-12-03 let through (it would get 250).
    /// </summary>
    [Theory]
    [InlineData(500e-3, 3334)]
    [InlineData(150e-3, 1000)]
    public void AWindowBoostsOnlyTheProbesItCanSampleDensely(double secondCost, int secondPlan)
    {
        var budget = new MonitorBudget(0.10, replanEvery: 100, warmupSteps: 1, transitionSteps: 200);
        var infos = new List<MonitorBudget.ProbeInfo> { new("mid", 1, true), new("second", 1, true) };
        budget.Step(3e-3, 0);
        budget.Ran("mid", 1, 25e-3, 1);
        budget.Ran("second", 1, secondCost, 1);
        budget.Replan(1, infos);
        budget.Suspend(1, "other");
        Assert.Equal((167, secondPlan), (budget.Interval("mid"), budget.Interval("second")));
        Assert.Equal((42, secondPlan), (budget.IntervalAt("mid", 1), budget.IntervalAt("second", 1)));
    }

    sealed class AlwaysUnderwayProbe(ManualClock clock) : IProbe, ITransitionSignal
    {
        public List<long> Steps { get; } = [];
        public string Name => "underway";
        public ProbeNeeds Needs => ProbeNeeds.None;
        public ProbeSchedule Schedule { get; } = ProbeSchedule.Every(1);
        public bool TransitionUnderway => true;
        public void Observe(ProbeContext context, ProbeOutput output)
        {
            Steps.Add(context.Step);
            clock.Advance(12);
        }
    }

    /// <summary>
    /// A probe that reports a transition under way at every reading (as C_α's p may sit near 0.5 for thousands of steps)
    /// costs 12 ms per call on 3 ms steps under a 10 % budget. Heeded at all times it would run every step: 4 × the
    /// training time. It is heeded only while the account is clear, so each 30-step window (360 ms) is repaid before the
    /// next opens: over 4,000 steps the probe's time stays within b × training time plus one window and one call.
    /// </summary>
    [Fact]
    public void AContinuingTransitionSignalIsHeededOnlyWhileTheAccountIsClear()
    {
        var p = new Parameter(zeros(3));
        var clock = new ManualClock();
        var probe = new AlwaysUnderwayProbe(clock);
        using var monitor = new PhaseMonitor([new NamedParameter("p", p)], [probe], [])
        {
            Budget = new MonitorBudget(0.10, replanEvery: 50, warmupSteps: 20, transitionSteps: 30),
            Clock = clock,
        };
        const int steps = 4000;
        for (int step = 1; step <= steps; step++)
        {
            monitor.AfterBackward(step);
            clock.Advance(3);
            monitor.AfterStep(step);
        }
        double spent = 12 * probe.Steps.Count(s => s > 20), allowed = 0.10 * 3 * (steps - 20);
        Assert.True(spent <= allowed + 30 * 12 + 12, $"{probe.Steps.Count} calls: {spent:F0} ms after the warm-up against a budget of {allowed:F0} ms");
        // Still heeded: windows of consecutive calls after the first one.
        Assert.Contains(probe.Steps, s => s > 2000 && probe.Steps.Contains(s + 1));
    }

    /// <summary>
    /// The account by hand: 3 ms steps, a 10 % budget (0.3 ms per step), one probe costing 25 ms per call. The warm-up call (step 1) sets the plan
    /// k = ⌈25/0.3⌉ = 84. The probe runs at step 85 (its
    /// cost prepaid over the 84 steps its plan gives it) and once more at step 86, unplanned (as in a window it signalled).
    /// Plan at step 101: spent 50, allowed 16 × 0.3 = 4.8, the last call's unearned part 25·(1 − 15/84) = 20.54, so the debt
    /// is 24.66 ms; repayment r = min(24.66/100, 0.15) = 0.15 leaves 0.15 ms per step: k = ⌈25/0.15⌉ = 167, and in debt a
    /// transition window opened at 101 (400 steps, so that 24 would be dense: 4 × 24 ≤ 400) gets no boost (167, not ⌈25/(1.2 − 0.15)⌉ = 24); the debt then reads 50 − 4.8 − 25·(1 − 15/167) = 22.45 (the unearned
    /// part spread over the new plan). Plan at step 201: allowed 34.8, unearned 25·(1 − 115/167) = 7.78, debt 7.42,
    /// r = 0.0742: k = ⌈25/0.2258⌉ = 111, after which the call at 86 is past its interval and the debt reads 50 − 34.8 =
    /// 15.2. (With one call of slack at all times, as before 2026-11-24, the debt at 201 read 0 and the plan went back to
    /// 84 with the extra call never repaid.)
    /// </summary>
    [Fact]
    public void AnUnplannedCallIsDebtUntilRepaidAndInDebtWindowsGetNoBoost()
    {
        var budget = new MonitorBudget(0.10, replanEvery: 100, warmupSteps: 1, transitionSteps: 400);
        var infos = new List<MonitorBudget.ProbeInfo> { new("dear", 1, true), new("other", 1, false) };
        var plans = new Dictionary<long, (int Plan, int InWindow, double Debt)>();
        for (int step = 1; step <= 201; step++)
        {
            bool planned = budget.Allows("dear", step);
            budget.Step(3e-3, 0);
            if (planned || step == 86) budget.Ran("dear", step, 25e-3, 1);
            Assert.Equal(step is 1 or 85 or 86, planned || step == 86);
            budget.Replan(step, infos);
            if (step == 1) Assert.Equal(84, budget.Interval("dear"));
            if (step is 101 or 201)
            {
                budget.Suspend(step, "other");
                plans[step] = (budget.Interval("dear"), budget.IntervalAt("dear", step), budget.Debt);
            }
        }
        Assert.Equal((167, 167), (plans[101].Plan, plans[101].InWindow));
        Assert.Equal(22.446e-3, plans[101].Debt, 1e-5);
        Assert.Equal((111, 111), (plans[201].Plan, plans[201].InWindow));
        Assert.Equal(15.2e-3, plans[201].Debt, 1e-9);
    }

    /// <summary>Drives a budget through steps <paramref name="from"/>…<paramref name="to"/>: 3 ms training steps, a cheap probe
    /// (every step, 0.1 ms) and a dear one (base every 10, 12 ms) run whenever the budget allows, a transition signalled by
    /// the dear probe at step 200; returns, per step, which probes ran and the dear probe's interval in effect.</summary>
    static List<string> Drive(MonitorBudget budget, int from, int to)
    {
        var infos = new List<MonitorBudget.ProbeInfo> { new("cheap", 1, true), new("dear", 10, true) };
        var trace = new List<string>();
        for (int step = from; step <= to; step++)
        {
            bool cheap = budget.Allows("cheap", step), dear = step % 10 == 0 && budget.Allows("dear", step);
            budget.Step(3e-3, 1e-5);
            if (cheap) budget.Ran("cheap", step, 1e-4, 1);
            if (dear) budget.Ran("dear", step, 12e-3, 10);
            if (step == 200) budget.Suspend(step, "dear");
            budget.Replan(step, infos);
            trace.Add($"{step}:{cheap}:{dear}:{budget.IntervalAt("dear", step)}");
        }
        return trace;
    }

    [Fact]
    public void AResumedBudgetKeepsItsPlanAndItsAccount()
    {
        static MonitorBudget Create() => new(0.1, replanEvery: 50, warmupSteps: 5, transitionSteps: 30);
        var original = Create();
        Drive(original, 1, 230); // saved inside the transition window, in debt
        Assert.True(original.Debt > 0);
        var saved = new ProbeState();
        original.SaveState(saved);

        var resumed = Create();
        resumed.LoadState(saved);
        Assert.Equal(original.Debt, resumed.Debt);
        Assert.Equal(original.SuspendedUntil, resumed.SuspendedUntil);
        Assert.Equal(original.StepSeconds, resumed.StepSeconds);
        // From here on the resumed budget decides exactly as the original does; a budget started afresh does not.
        var expected = Drive(original, 231, 800);
        Assert.Equal(expected, Drive(resumed, 231, 800));
        Assert.NotEqual(expected, Drive(Create(), 231, 800));
    }

    [Fact]
    public void AMalformedBudgetStateIsRefusedAndChangesNothing()
    {
        var budget = new MonitorBudget(0.1, replanEvery: 50, warmupSteps: 5, transitionSteps: 30);
        Drive(budget, 1, 230);
        var saved = new ProbeState();
        budget.SaveState(saved);
        double debt = budget.Debt;
        var broken = new ProbeState();
        foreach (var (k, v) in saved.Values) broken.Set(k, v);
        broken.Set("last_run/dear", "220");
        Assert.Contains("STEP:BASE", Assert.Throws<FormatException>(() => budget.LoadState(broken)).Message);
        broken.Set("last_run/dear", "220:10");
        broken.Set("interval/dear", "0");
        Assert.Throws<FormatException>(() => budget.LoadState(broken));
        Assert.Equal(debt, budget.Debt);
        Assert.Equal(saved.Values.OrderBy(kv => kv.Key), SavedValues(budget).OrderBy(kv => kv.Key));
    }

    static IReadOnlyDictionary<string, string> SavedValues(MonitorBudget budget)
    {
        var state = new ProbeState();
        budget.SaveState(state);
        return state.Values;
    }
}
