namespace PhaseScope.Monitoring;

/// <summary>
/// The monitor's side of a <see cref="MonitorBudget"/>: at the end of every step it tells the budget the step's training
/// time (wall time since the last step minus the monitor's own), what each probe cost, and which probes signal a
/// transition, and it logs each new plan (metrics <c>monitor/interval/NAME</c>, event <c>budget_intervals</c>).
/// </summary>
internal sealed class BudgetGate(MonitorBudget budget)
{
    long lastStepTimestamp, monitorTicksAtLastStep, bookkeepingTicksAtLastStep;

    static double Seconds(TimeProvider clock, long ticks) => (double)ticks / clock.TimestampFrequency;

    /// <summary>Budget bookkeeping at the end of a step: the step's training time (wall time since the last step minus the
    /// monitor's), each probe that ran, transition signals, and a re-plan when due.</summary>
    public void EndOfStep(long step, IReadOnlyList<ProbeSlot> slots, long bookkeepingTicks, Func<ProbeSlot, int> baseInterval,
        Func<ProbeSlot, bool> stretchable, TimeProvider clock, Action<IReadOnlyList<MetricRecord>> send, Action<MonitorEvent> emit)
    {
        long now = clock.GetTimestamp();
        long monitorTicks = slots.Sum(s => s.Ticks) + bookkeepingTicks;
        if (lastStepTimestamp != 0)
            budget.Step(Seconds(clock, now - lastStepTimestamp - (monitorTicks - monitorTicksAtLastStep)), Seconds(clock, bookkeepingTicks - bookkeepingTicksAtLastStep));
        foreach (var s in slots)
            if (s.StepOfTicks == step && stretchable(s)) budget.Ran(s.Probe.Name, step, Seconds(clock, s.StepTicks), baseInterval(s));
        // A continuing signal is heeded only while the account is clear (MonitorBudget: p may sit near 0.5 for thousands of steps).
        foreach (var s in slots)
            if (!s.Disabled && s.Probe is ITransitionSignal { TransitionUnderway: true } && budget.Debt <= 0)
                Suspend(step, s.Probe.Name, $"'{s.Probe.Name}' reports a transition under way", emit);
        var infos = slots.Where(s => !s.Disabled).Select(s => new MonitorBudget.ProbeInfo(s.Probe.Name, baseInterval(s), stretchable(s))).ToList();
        var changed = budget.Replan(step, infos);
        if (changed.Count > 0)
        {
            send(infos.Select(i => new MetricRecord(step, $"monitor/interval/{i.Name}", (double)budget.Interval(i.Name) * i.BaseInterval)).ToList());
            emit(new MonitorEvent(step, "budget_intervals", PhaseMonitor.BookkeepingName,
                FormattableString.Invariant($"Monitor budget {budget.Fraction:P1} of a {budget.StepSeconds * 1e3:F2} ms step") +
                (budget.Debt > 0 ? FormattableString.Invariant($" (repaying {budget.Debt * 1e3:F1} ms over {budget.ReplanEvery} steps)") : "") + $": {budget.Describe(infos)}."));
        }
        // Nothing above runs a probe or adds bookkeeping ticks: the sum taken on entry is still the monitor's total.
        lastStepTimestamp = clock.GetTimestamp();
        monitorTicksAtLastStep = monitorTicks;
        bookkeepingTicksAtLastStep = bookkeepingTicks;
    }

    /// <summary>Suspends the budget's plan after a probe signalled (see <see cref="MonitorBudget.Suspend"/>).</summary>
    public void Suspend(long step, string probe, string why, Action<MonitorEvent> emit)
    {
        if (budget.Suspend(step, probe))
            emit(new MonitorEvent(step, "budget_suspended", PhaseMonitor.BookkeepingName,
                FormattableString.Invariant($"{why}: it runs at its base schedule and the others on the {budget.TransitionBoost:G}× budget plan until step {budget.SuspendedUntil}.")));
    }
}
