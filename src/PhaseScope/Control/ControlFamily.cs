using PhaseScope.Monitoring.Descriptors;
using E = PhaseScope.Control.InstabilityEvents;
using M = PhaseScope.Control.ControlMetrics;

namespace PhaseScope.Control;

/// <summary>Acting on instability as a family: the events of <c>--on-instability</c> (<see cref="InstabilityController"/>)
/// and the clipped steps of the ZClip baseline (<see cref="ZClip"/>); docs/INSTABILITY.md, "Acting on instability".</summary>
public static class ControlFamily
{
    /// <summary>The family.</summary>
    public static readonly IMetricFamily Family = new MetricFamily("control", "Acting on instability",
        "What --on-instability did when a trigger (the diagnosis's loss-spike rule, the stability margin below 0, the instability warning) fired, and where ZClip clipped the gradient norm to μ + Z·σ of its moving statistics (Kumar et al. 2025).",
        "control metrics", "grok --on-instability and --zclip record them")
    {
        ShownWhenAbsent = false,
        Charts = [new("zclip", "ZClip: clipped steps, norm before and after", "‖g‖") { LogY = true }, new("instability_lr", "Learning rate set by --on-instability", "η") { LogY = true }],
        Metrics =
        [
            new(M.ZClipNorm, "‖g‖ before ZClip", "Global gradient norm of a step ZClip clipped (its z-score against the moving mean and variance exceeded Z).") { Chart = "zclip", Aggregate = MetricAggregate.Max },
            new(M.ZClipThreshold, "ZClip's clip norm", "The norm the step was clipped to: μ + Z·σ of the moving statistics (α = 0.97).") { Chart = "zclip", Dash = "dot" },
            new(M.InstabilityLearningRate, "learning rate set by --on-instability", "The rate a cut set (max(floor, f·η), once per episode with reduce-lr; with rollback) or a step of recovery after the episode (η·f^(−1/N) up to the schedule's rate).") { Chart = "instability_lr", Aggregate = MetricAggregate.Min },
        ],
        Events =
        [
            new(E.Noticed, "instability warnings (no action)", "A trigger fired; --on-instability warn records it and changes nothing."),
            new(E.LearningRateReduced, "learning-rate reductions", "The learning rate was cut to max(--instability-lr-floor, --instability-lr-factor × η) before this step's update (reduce-lr, once per episode)."),
            new(E.StepSkipped, "skipped updates", "This step's update was not applied: parameters and optimizer state stay as they were before it."),
            new(E.RolledBack, "rollbacks", "Model and optimizer were restored from the last scheduled resume point, the learning rate multiplied by the factor; the steps since that point are lost."),
            new(E.Recovered, "instability recoveries", "After an action every trigger has been quiet for --instability-quiet steps: the episode ends, and a cut rate returns to the schedule's geometrically."),
        ],
    };
}
