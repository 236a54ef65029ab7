namespace PhaseScope.Control;

/// <summary>Event kinds of <see cref="InstabilityController"/> (one per action, and the recovery), defined once; their
/// meanings are declared on <see cref="ControlFamily"/>.</summary>
public static class InstabilityEvents
{
    /// <summary><c>instability_noticed</c>: a trigger fired under <c>--on-instability warn</c>.</summary>
    public const string Noticed = "instability_noticed";
    /// <summary><c>instability_lr_reduced</c>: the learning rate was multiplied by the factor.</summary>
    public const string LearningRateReduced = "instability_lr_reduced";
    /// <summary><c>instability_step_skipped</c>: the step's update was not applied.</summary>
    public const string StepSkipped = "instability_step_skipped";
    /// <summary><c>instability_rolled_back</c>: the last scheduled resume point was restored.</summary>
    public const string RolledBack = "instability_rolled_back";
    /// <summary><c>instability_recovered</c>: every trigger says stable again after an action.</summary>
    public const string Recovered = "instability_recovered";
}
