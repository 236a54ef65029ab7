namespace PhaseScope.Diagnosis;

/// <summary>
/// What a run is doing over an interval of steps, as <c>RunDiagnosis</c> decides it from the observables
/// (docs/DIAGNOSIS.md says how each is decided).
/// </summary>
public enum RunPhase
{
    /// <summary>Before the first evaluation: nothing is known yet.</summary>
    Starting,
    /// <summary>Training loss falls and training accuracy rises, test accuracy does not (yet): memorising the training set.</summary>
    Fitting,
    /// <summary>Nothing moves: training accuracy is high and test accuracy flat (memorised, the grokking plateau), or
    /// training loss has stopped falling before the training set is fitted (stalled).</summary>
    Plateau,
    /// <summary>Test accuracy rises clearly above its plateau: generalisation (grokking) is under way.</summary>
    Generalising,
    /// <summary>Test accuracy at or above the grok threshold (0.95, docs/SETUPS.md "The grok step").</summary>
    Generalised,
    /// <summary>A loss spike, divergence or non-finite values.</summary>
    Unstable,
    /// <summary>After a task switch (split MNIST), accuracy on the earlier task falls.</summary>
    Forgetting,
}

/// <summary>Names of the phases as events and reports write them.</summary>
public static class RunPhaseNames
{
    /// <summary>"fitting", "plateau", … (lower case, as stored in <c>phase_entered</c> events).</summary>
    public static string Name(this RunPhase phase) => phase.ToString().ToLowerInvariant();

    /// <summary>The phase named by <see cref="Name"/>, or null.</summary>
    public static RunPhase? Parse(string name) => Enum.TryParse<RunPhase>(name, ignoreCase: true, out var p) ? p : null;
}

/// <summary>One interval of the phase timeline.</summary>
/// <param name="Phase">What the run was doing.</param>
/// <param name="Start">First step of the interval.</param>
/// <param name="End">Last step (null while it lasts).</param>
/// <param name="Evidence">Which observables, values and thresholds put the run in this phase, and which seed they come from.</param>
public sealed record PhaseInterval(RunPhase Phase, long Start, long? End, string Evidence);
