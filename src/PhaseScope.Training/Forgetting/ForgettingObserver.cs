using PhaseScope.Monitoring;

namespace PhaseScope.Training.Forgetting;

/// <summary>
/// What watches a split-MNIST run (<see cref="SplitMnistExperiment"/>): the monitor (its probes see every step of
/// both tasks, numbered on through the switch), the terminal view's callbacks, and progress lines. All optional.
/// </summary>
public sealed class ForgettingObserver
{
    /// <summary>The monitor; receives the evaluations as <c>forget/*</c> metrics and the <c>task_switch</c> event.</summary>
    public PhaseMonitor? Monitor { get; init; }

    /// <summary>
    /// Called after each evaluation. <see cref="TrainProgress.Evaluation"/> holds task A's test loss and accuracy
    /// in its Train* fields and task B's in its Test* fields; <see cref="TrainProgress.Loss"/> is the mean
    /// training loss since the last evaluation.
    /// </summary>
    public Action<TrainProgress>? Progress { get; init; }

    /// <summary>Called after every optimizer step (1-based, counted over both tasks).</summary>
    public Action<long>? StepCompleted { get; init; }

    /// <summary>
    /// Seed 003's controllers for one task (<see cref="PhaseScope.Control.AdaptiveLearningRate"/>,
    /// <see cref="PhaseScope.Control.EarlyStopping"/>), called at the start of each task: they read the readings the
    /// monitor's probes publish through <see cref="PhaseScope.Training.MonitoredLoop"/>, the learning rate they set acts on
    /// that task's optimizer, and a stop ends that task (task B still follows a stopped task A). Needs <see cref="Monitor"/>.
    /// </summary>
    public Func<IReadOnlyList<PhaseScope.Control.IController>>? Controllers { get; init; }

    /// <summary>The controllers ignore the first this-many steps of each task (0: from its first step, as the seed does;
    /// early in a task p is low before anything is learned).</summary>
    public int ControlAfter { get; init; }

    /// <summary>Progress lines (epoch losses, accuracies after each task).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Stops the run after the current step (the experiment then throws <see cref="OperationCanceledException"/>).</summary>
    public CancellationToken Cancellation { get; init; }
}
