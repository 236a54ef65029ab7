namespace PhaseScope.Control;

/// <summary>What <see cref="InstabilityController"/> does when a trigger says unstable (docs/INSTABILITY.md, "Acting on
/// instability").</summary>
public enum InstabilityAction
{
    /// <summary>Record an event; change nothing.</summary>
    Warn,
    /// <summary>Cut the learning rate once per episode, to max(floor, factor × rate); after the episode it returns to the
    /// schedule's geometrically (<see cref="InstabilityController"/>).</summary>
    ReduceLearningRate,
    /// <summary>Do not apply this step's update: parameters and optimizer state stay as they were before the step.</summary>
    Skip,
    /// <summary>Restore the model, optimizer and probes of the last scheduled resume point, cut the learning rate as
    /// reduce-lr does, and do not apply this step's update.</summary>
    Rollback,
}

/// <summary>The names of <see cref="InstabilityAction"/> on the command line (<c>--on-instability</c>).</summary>
public static class InstabilityActions
{
    /// <summary>Every name, in the enum's order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["warn", "reduce-lr", "skip", "rollback"];

    /// <summary>The action named <paramref name="name"/> (case-insensitive), or null when none is.</summary>
    public static InstabilityAction? Parse(string? name)
    {
        int i = name is null ? -1 : Names.ToList().IndexOf(name.Trim().ToLowerInvariant());
        return i < 0 ? null : (InstabilityAction)i;
    }

    /// <summary>The command-line name of <paramref name="action"/>.</summary>
    public static string NameOf(InstabilityAction action) => Names[(int)action];
}
