using System.Globalization;

namespace PhaseScope.Monitoring;

/// <summary>
/// Keeps the monitor's overhead within a share b of training time (<c>--monitor-budget 0.05</c>): from the
/// measured cost c_i of each probe call and the median training step t_step it chooses intervals I_i so that
/// Σ_i c_i / I_i + c_monitor ≤ b · t_step.
/// <list type="bullet">
/// <item>Allocation (water-filling): the per-step budget is shared equally; a probe whose base schedule costs less than
/// its share keeps it, the rest get the smallest multiple of their base interval that fits. Fixed-schedule probes
/// (<see cref="IProbe.FixedSchedule"/>) and evaluation-time probes keep their schedule and count against the budget.</item>
/// <item>Transitions: a probe event, or a probe reporting a transition under way (<see cref="ITransitionSignal"/>, heeded
/// only while the account is clear), opens a window of <see cref="TransitionSteps"/> steps: the signalling probe runs at
/// its base schedule, the others on a plan with <see cref="TransitionBoost"/> times the budget (a probe that plan would
/// not run <see cref="DenseCallsPerWindow"/> times keeps its plain plan). Plans and windows are logged
/// (<c>budget_intervals</c>, <c>monitor/interval/NAME</c>, <c>budget_suspended</c>).</item>
/// <item>Debt: the run's account from the first plan on (the warm-up excluded) is repaid over the next plan period, at
/// most half the budget per step; credit is not carried; in debt, windows get no boost.</item>
/// <item>First calls: a probe with a prior cost E in training steps (<see cref="IProbe.EstimatedStepsPerCall"/>) waits
/// until b·step ≥ E and the account is clear.</item>
/// </list>
/// Why each rule is there, with the measurements that led to it: docs/PERFORMANCE.md, "The monitor budget's rules".
/// </summary>
public sealed class MonitorBudget
{
    readonly Dictionary<string, double> costEma = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> intervals = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> boosted = new(StringComparer.Ordinal);
    readonly Dictionary<string, (long Step, int Base)> lastRun = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> denseUntil = new(StringComparer.Ordinal);
    readonly Dictionary<string, double> priors = new(StringComparer.Ordinal);
    readonly Queue<double> stepSeconds = new();
    double bookkeepingEma = double.NaN;
    double spentSeconds, allowedSeconds;
    long lastPlan, lastStep;

    /// <summary>Creates a budget of <paramref name="fraction"/> of training time (0 &lt; b ≤ 1).</summary>
    public MonitorBudget(double fraction, int replanEvery = 100, int warmupSteps = 20, int transitionSteps = 200, double transitionBoost = 4)
    {
        if (!(transitionBoost >= 1)) throw new ArgumentOutOfRangeException(nameof(transitionBoost), transitionBoost, "The transition boost multiplies the budget: at least 1.");
        TransitionBoost = transitionBoost;
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The monitor budget is a share of training time in (0, 1], e.g. 0.05 for 5 %.");
        if (replanEvery < 1 || warmupSteps < 1 || transitionSteps < 0) throw new ArgumentOutOfRangeException(nameof(replanEvery), "Re-plan interval and warm-up must be positive, the transition window non-negative.");
        Fraction = fraction;
        ReplanEvery = replanEvery;
        WarmupSteps = warmupSteps;
        TransitionSteps = transitionSteps;
    }

    /// <summary>b, the share of training time the monitor may use.</summary>
    public double Fraction { get; }
    /// <summary>Steps between re-plans.</summary>
    public int ReplanEvery { get; }
    /// <summary>Steps at base schedules before the first plan (every probe is measured at least once first).</summary>
    public int WarmupSteps { get; }
    /// <summary>Steps of a transition window.</summary>
    public int TransitionSteps { get; }
    /// <summary>Budget multiplier inside a transition window.</summary>
    public double TransitionBoost { get; }
    /// <summary>A transition window lasts until this step (exclusive).</summary>
    public long SuspendedUntil { get; private set; }
    /// <summary>
    /// The calls a transition window's boosted plan must give a probe for the boost to apply: a window is there to sample
    /// densely, and a probe it could run only once or twice gains no series from it, only a lump of cost (the cost rule this
    /// replaced, and the run that showed it wrong, are in docs/results/performance/2026-12-03-schedules-windows-hvp.md, "The budget's transition windows").
    /// </summary>
    public const int DenseCallsPerWindow = 4;

    /// <summary>The median training step time measured (seconds; NaN before any).</summary>
    public double StepSeconds => stepSeconds.Count == 0 ? double.NaN : Median(stepSeconds);

    /// <summary>Monitor time spent beyond b × the training time since the first plan (seconds; 0 when within the budget), as of
    /// the last step recorded.</summary>
    /// <remarks>Calls are lumpy — a probe stretched to every k steps spends a call's cost at once and earns it back over the
    /// k steps its plan gives it — so each probe's last call counts as prepaid for the part of its planned interval still
    /// to come, c_i·(1 − elapsed/(I_i·base_i)), and only the rest is debt (docs/results/performance/2026-11-24-memory-floor-budget-account.md, "The budget's account",
    /// measures the fixed slack this replaced).</remarks>
    public double Debt => DebtAt(lastStep);

    double DebtAt(long step) => Math.Max(0, spentSeconds - allowedSeconds - Prepaid(step));

    /// <summary>The part of each probe's last call not yet earned back at <paramref name="step"/> (its cost spread evenly over
    /// the interval the plan gives it).</summary>
    double Prepaid(long step)
    {
        double prepaid = 0;
        foreach (var (name, last) in lastRun)
        {
            double span = (double)Interval(name) * last.Base;
            double left = 1 - (step - last.Step) / span;
            if (left > 0 && costEma.TryGetValue(name, out var c)) prepaid += c * Math.Min(1, left);
        }
        return prepaid;
    }

    /// <summary>The interval multiplier chosen for <paramref name="probe"/> outside transitions (1 = its base schedule).</summary>
    public int Interval(string probe) => intervals.GetValueOrDefault(probe, 1);

    /// <summary>The multiplier in effect at <paramref name="step"/> (the boosted plan inside a transition window).</summary>
    public int IntervalAt(string probe, long step) => step < SuspendedUntil ? boosted.GetValueOrDefault(probe, 1) : Interval(probe);

    /// <summary>Sets a probe's prior cost per call, in training steps (<see cref="IProbe.EstimatedStepsPerCall"/>).</summary>
    public void SetPrior(string probe, double stepsPerCall)
    {
        if (!(stepsPerCall >= 0) || double.IsInfinity(stepsPerCall)) throw new ArgumentOutOfRangeException(nameof(stepsPerCall), stepsPerCall, "A prior cost is a finite number of training steps ≥ 0.");
        priors[probe] = stepsPerCall;
    }

    /// <summary>Whether a probe whose base schedule is due at <paramref name="step"/> may run: it signalled a transition
    /// under way; it never ran and the budget accrued so far covers its prior (b·step ≥ E and no debt; always, without a
    /// prior); or I·base steps have passed since it last ran (I in effect now; with I = k·base, the k − 1 base-due steps
    /// between are skipped).</summary>
    public bool Allows(string probe, long step)
    {
        if (step < denseUntil.GetValueOrDefault(probe, 0)) return true;
        if (!lastRun.TryGetValue(probe, out var last))
            return !priors.TryGetValue(probe, out var prior) || (Fraction * step >= prior && DebtAt(step) <= 0);
        return step >= last.Step + (long)IntervalAt(probe, step) * last.Base - (last.Base - 1);
    }

    /// <summary>Records that <paramref name="probe"/> ran at <paramref name="step"/> costing <paramref name="seconds"/>.</summary>
    public void Ran(string probe, long step, double seconds, int baseInterval)
    {
        lastStep = Math.Max(lastStep, step);
        costEma[probe] = costEma.TryGetValue(probe, out var c) ? 0.7 * c + 0.3 * seconds : seconds;
        lastRun[probe] = (step, baseInterval);
        if (lastPlan > 0 && double.IsFinite(seconds) && seconds > 0) spentSeconds += seconds;
    }

    /// <summary>Records one training step: its time without the monitor and the monitor's bookkeeping during it.</summary>
    public void Step(double trainSeconds, double bookkeepingSeconds)
    {
        if (double.IsFinite(trainSeconds) && trainSeconds > 0)
        {
            if (lastPlan > 0) allowedSeconds += Fraction * trainSeconds;
            stepSeconds.Enqueue(trainSeconds);
            if (stepSeconds.Count > 64) stepSeconds.Dequeue();
        }
        bookkeepingEma = double.IsNaN(bookkeepingEma) ? bookkeepingSeconds : 0.9 * bookkeepingEma + 0.1 * bookkeepingSeconds;
        if (lastPlan > 0 && double.IsFinite(bookkeepingSeconds) && bookkeepingSeconds > 0) spentSeconds += bookkeepingSeconds;
        // No credit: an account ahead of its allowance is reset to it.
        if (spentSeconds < allowedSeconds) spentSeconds = allowedSeconds = 0;
    }

    /// <summary>A transition is under way at <paramref name="step"/>, signalled by <paramref name="probe"/>: that probe runs at
    /// its base schedule and the others on the boosted plan for <see cref="TransitionSteps"/> steps. Returns true when this
    /// opens a window (none was open).</summary>
    public bool Suspend(long step, string probe)
    {
        bool started = step >= SuspendedUntil;
        SuspendedUntil = Math.Max(SuspendedUntil, step + TransitionSteps);
        denseUntil[probe] = Math.Max(denseUntil.GetValueOrDefault(probe, 0), step + TransitionSteps);
        return started;
    }

    /// <summary>One probe's planning input: name, base interval (steps), whether its schedule may be stretched.</summary>
    public sealed record ProbeInfo(string Name, int BaseInterval, bool Stretchable);

    /// <summary>
    /// Re-plans at <paramref name="step"/> when due (after the warm-up, every <see cref="ReplanEvery"/> steps). Returns the
    /// intervals that changed (empty when none or not due).
    /// </summary>
    public IReadOnlyDictionary<string, int> Replan(long step, IReadOnlyList<ProbeInfo> probes)
    {
        var changed = new Dictionary<string, int>(StringComparer.Ordinal);
        // The first plan comes right after the warm-up, later ones every ReplanEvery steps.
        if (step < WarmupSteps || (lastPlan > 0 && step - lastPlan < ReplanEvery) || stepSeconds.Count == 0) return changed;
        lastPlan = step;
        lastStep = Math.Max(lastStep, step);
        // Per-step cost the plan must leave out: the bookkeeping, and the debt's repayment.
        double debt = Debt;
        double bookkeeping = double.IsNaN(bookkeepingEma) ? 0 : bookkeepingEma;
        bookkeeping += Math.Min(debt / ReplanEvery, 0.5 * Math.Max(0, Fraction * StepSeconds - bookkeeping));
        var inputs = probes.Select(p => (p.Name, p.BaseInterval, p.Stretchable, Cost: costEma.GetValueOrDefault(p.Name, double.NaN))).ToList();
        var plan = Plan(Fraction * StepSeconds - bookkeeping, inputs);
        // In debt, transition windows get no boost: only the probe that signalled samples densely. Nor does a probe the
        // boosted plan would not sample densely, DenseCallsPerWindow times in a window: its one or two calls are lumps, not
        // a denser series, and the debt they leave outlasts the window.
        var boostedPlan = Plan((debt > 0 ? 1 : TransitionBoost) * Fraction * StepSeconds - bookkeeping, inputs);
        foreach (var p in inputs)
        {
            int interval = boostedPlan[p.Name];
            boosted[p.Name] = (long)interval * p.BaseInterval * DenseCallsPerWindow <= TransitionSteps ? interval : Math.Max(interval, plan[p.Name]);
        }
        foreach (var (name, interval) in plan)
            if (Interval(name) != interval)
            {
                intervals[name] = interval;
                changed[name] = interval;
            }
        return changed;
    }

    /// <summary>
    /// The water-filling allocation of a per-step budget <paramref name="perStep"/> (seconds) over probes with a cost per
    /// call; returns each probe's multiplier of its base interval (1 for fixed or unmeasured probes). A budget smaller
    /// than the fixed probes' own cost leaves the stretchable ones at the largest multiplier allowed, 10⁶.
    /// </summary>
    public static Dictionary<string, int> Plan(double perStep, IReadOnlyList<(string Name, int BaseInterval, bool Stretchable, double Cost)> probes)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        double remaining = perStep;
        var open = new List<(string Name, int BaseInterval, double Cost)>();
        foreach (var p in probes)
        {
            if (!p.Stretchable || !double.IsFinite(p.Cost) || p.Cost <= 0)
            {
                result[p.Name] = 1;
                if (double.IsFinite(p.Cost) && p.Cost > 0) remaining -= p.Cost / p.BaseInterval;
            }
            else open.Add((p.Name, p.BaseInterval, p.Cost));
        }
        // Cheapest base rate first: those within an equal share keep their base interval and pass the rest on.
        open.Sort((a, b) => (a.Cost / a.BaseInterval).CompareTo(b.Cost / b.BaseInterval));
        int i = 0;
        while (i < open.Count)
        {
            double share = Math.Max(0, remaining) / (open.Count - i);
            var (name, baseInterval, cost) = open[i];
            if (cost / baseInterval <= share)
            {
                result[name] = 1;
                remaining -= cost / baseInterval;
                i++;
                continue;
            }
            // Every probe from here on costs more than an equal share at its base interval: stretch each to its share.
            for (int j = i; j < open.Count; j++)
            {
                var (n, b, c) = open[j];
                double k = share > 0 ? Math.Ceiling(c / (share * b)) : 1e6;
                result[n] = (int)Math.Clamp(k, 1, 1e6);
            }
            break;
        }
        return result;
    }

    /// <summary>
    /// Writes the budget's state into <paramref name="state"/> for a resume point: the account (spent and allowed time since
    /// the first plan), each probe's cost, plan, boosted plan, last call and dense window, the open transition window, the
    /// recent training step times and the bookkeeping cost. A run resumed from it keeps its plan and its debt instead of
    /// starting a new warm-up with a clean account.
    /// </summary>
    public void SaveState(ProbeState state)
    {
        state.Set("spent", spentSeconds);
        state.Set("allowed", allowedSeconds);
        state.Set("last_plan", lastPlan);
        state.Set("last_step", lastStep);
        state.Set("suspended_until", SuspendedUntil);
        state.SetOptional("bookkeeping_ema", double.IsNaN(bookkeepingEma) ? null : bookkeepingEma);
        state.Set("step_seconds", string.Join(",", stepSeconds.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        foreach (var (name, v) in costEma) state.Set($"cost/{name}", v);
        foreach (var (name, v) in intervals) state.Set($"interval/{name}", v);
        foreach (var (name, v) in boosted) state.Set($"boosted/{name}", v);
        foreach (var (name, v) in lastRun) state.Set($"last_run/{name}", $"{v.Step.ToString(CultureInfo.InvariantCulture)}:{v.Base.ToString(CultureInfo.InvariantCulture)}");
        foreach (var (name, v) in denseUntil) state.Set($"dense_until/{name}", v);
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote (the budget's own settings — b, intervals of re-planning, windows —
    /// are this instance's). Throws <see cref="FormatException"/>, <see cref="OverflowException"/> or
    /// <see cref="KeyNotFoundException"/> on a malformed or incomplete state, leaving this budget unchanged.</summary>
    public void LoadState(ProbeState state)
    {
        // Parse everything first, so that a malformed state changes nothing.
        var values = state.Values;
        double Number(string key) => Real(values[key]);
        if (!values.ContainsKey("spent")) return; // saved without a budget
        // The per-probe values saved under "prefix/NAME", by name.
        Dictionary<string, T> PerProbe<T>(string prefix, Func<string, string, T> parse) => values
            .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => parse(kv.Key[prefix.Length..], kv.Value), StringComparer.Ordinal);
        static double Real(string v) => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture);
        static int Whole(string v) => int.Parse(v, CultureInfo.InvariantCulture);
        double spent = Number("spent"), allowed = Number("allowed");
        long plan = long.Parse(values["last_plan"], CultureInfo.InvariantCulture), suspended = long.Parse(values["suspended_until"], CultureInfo.InvariantCulture);
        double ema = values.ContainsKey("bookkeeping_ema") ? Number("bookkeeping_ema") : double.NaN;
        var steps = values["step_seconds"].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Real).ToList();
        var costs = PerProbe("cost/", (_, v) => Real(v));
        var plans = PerProbe("interval/", (_, v) => Whole(v));
        var boostedPlans = PerProbe("boosted/", (_, v) => Whole(v));
        var runs = PerProbe("last_run/", (name, v) =>
        {
            var parts = v.Split(':');
            if (parts.Length != 2) throw new FormatException($"The budget's last call of '{name}' reads '{v}', not STEP:BASE.");
            return (Step: long.Parse(parts[0], CultureInfo.InvariantCulture), Base: int.Parse(parts[1], CultureInfo.InvariantCulture));
        });
        var dense = PerProbe("dense_until/", (_, v) => long.Parse(v, CultureInfo.InvariantCulture));
        // States saved before "last_step" existed: the latest step they record.
        long latest = values.TryGetValue("last_step", out var ls) ? long.Parse(ls, CultureInfo.InvariantCulture) : runs.Values.Select(r => r.Step).Append(plan).Max();
        if (!(spent >= 0 && allowed >= 0) || plan < 0 || steps.Any(v => !(v > 0)) || costs.Values.Any(v => !(v >= 0)) || plans.Values.Concat(boostedPlans.Values).Any(v => v < 1))
            throw new FormatException("The budget's saved state holds a negative time, a non-positive step time or an interval below 1.");

        (spentSeconds, allowedSeconds, lastPlan, lastStep, SuspendedUntil, bookkeepingEma) = (spent, allowed, plan, latest, suspended, ema);
        stepSeconds.Clear();
        foreach (var v in steps.TakeLast(64)) stepSeconds.Enqueue(v);
        void Replace<T>(Dictionary<string, T> target, Dictionary<string, T> source) { target.Clear(); foreach (var (k, v) in source) target[k] = v; }
        Replace(costEma, costs);
        Replace(intervals, plans);
        Replace(boosted, boostedPlans);
        Replace(lastRun, runs);
        Replace(denseUntil, dense);
    }

    /// <summary>A line for the <c>budget_intervals</c> event.</summary>
    public string Describe(IReadOnlyList<ProbeInfo> probes) => string.Join(", ", probes.Select(p =>
        $"{p.Name} every {((long)Interval(p.Name) * p.BaseInterval).ToString(CultureInfo.InvariantCulture)} ({((long)boosted.GetValueOrDefault(p.Name, 1) * p.BaseInterval).ToString(CultureInfo.InvariantCulture)} in transitions)" +
        (costEma.TryGetValue(p.Name, out var c) ? FormattableString.Invariant($" ({c * 1e3:F2} ms/call)") : "")));

    static double Median(IEnumerable<double> values)
    {
        var a = values.OrderBy(v => v).ToArray();
        return a.Length % 2 == 1 ? a[a.Length / 2] : 0.5 * (a[a.Length / 2 - 1] + a[a.Length / 2]);
    }
}
