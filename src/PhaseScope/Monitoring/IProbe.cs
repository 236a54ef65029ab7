namespace PhaseScope.Monitoring;

/// <summary>
/// A measurement made during training: it declares what it needs (which decides the monitor
/// call it runs in) and when it runs, and writes named metrics and events. This is the shape
/// of Cockpit's "quantities" (docs/CONVENTIONS.md). Probes must not modify parameters or gradients.
/// </summary>
public interface IProbe
{
    /// <summary>A short unique name; used in timing reports and events.</summary>
    string Name { get; }

    /// <summary>What the probe needs from the step.</summary>
    ProbeNeeds Needs { get; }

    /// <summary>When the probe runs.</summary>
    ProbeSchedule Schedule { get; }

    /// <summary>Whether the schedule is part of what the probe measures (e.g. the spectral window's stride s in
    /// δ = θ_t − θ_{t−s}), so a <see cref="MonitorBudget"/> must not stretch it.</summary>
    bool FixedSchedule => false;

    /// <summary>A prior for the cost of one call in training steps (null: no prior). A <see cref="MonitorBudget"/> knows a
    /// probe's cost only after its first call; with a prior E it holds the first call back until the budget accrued since
    /// the start, b·step training steps, covers it (step ≥ E/b), so one costly first call cannot overrun the budget.</summary>
    double? EstimatedStepsPerCall => null;

    /// <summary>Reading types this probe publishes through <see cref="ProbeContext.Readings"/> (none by default).</summary>
    IReadOnlyList<Type> Publishes => [];

    /// <summary>Reading types this probe reads from <see cref="ProbeContext.Readings"/>: the monitor runs their
    /// publishers first (none by default).</summary>
    IReadOnlyList<Type> Consumes => [];

    /// <summary>Measures at <see cref="ProbeContext.Step"/> and writes to <paramref name="output"/>.
    /// Runs under <c>torch.no_grad()</c>; a probe that needs autograd (e.g. Hessian-vector products)
    /// opens <c>torch.enable_grad()</c> itself. Any tensor it creates is disposed by the monitor's
    /// per-call dispose scope.</summary>
    void Observe(ProbeContext context, ProbeOutput output);
}
