using PhaseScope.Monitoring;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Training;

/// <summary>
/// Per-task test accuracy of a multi-task set (seed 001 §27: "multiple tasks grok at different positions along a shared
/// spectral trajectory"): at every evaluation it scores each <see cref="TaskData.TestGroups"/> block
/// (<c>eval/test_acc/NAME</c>) and emits <c>task_grokked</c> the first time a task reaches the grok threshold, so each
/// task's grok step sits in the run's events beside the indicators'. Resumable: which tasks have grokked is saved.
/// </summary>
public sealed class TaskAccuracyProbe(TaskData task, nn.Module<Tensor, Tensor> model, double threshold = 0.95) : IResumableProbe
{
    readonly IReadOnlyList<TaskGroup> groups = task.TestGroups ?? throw new ArgumentException("The task has no test groups (it is not a multi-task set).", nameof(task));
    readonly HashSet<string> grokked = [];

    /// <inheritdoc />
    public string Name => "task_accuracy";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Evaluation;
    /// <inheritdoc />
    public ProbeSchedule Schedule => ProbeSchedule.OnEvaluation;

    /// <summary>Tasks that reached the threshold so far.</summary>
    public IReadOnlyCollection<string> Grokked => grokked;

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        foreach (var g in groups)
        {
            using var x = task.TestInputs.narrow(0, g.Start, g.Count);
            using var y = task.TestTargets.narrow(0, g.Start, g.Count);
            var (_, accuracy, sequence) = Objective.Measure(model, x, y, task.PerPosition);
            double acc = task.PerPosition && task.SequenceAccuracy ? sequence : accuracy;
            output.Metric($"eval/test_acc/{g.Name}", acc);
            if (acc >= threshold && grokked.Add(g.Name))
                output.Event("task_grokked", FormattableString.Invariant($"Task '{g.Name}' reached test accuracy {acc:F4} ≥ {threshold} at step {context.Step}."));
        }
    }

    /// <inheritdoc />
    public void SaveState(ProbeState state) => state.Set("grokked", string.Join(',', grokked.Order(StringComparer.Ordinal)));

    /// <inheritdoc />
    public void LoadState(ProbeState state)
    {
        grokked.Clear();
        foreach (var name in (state.Text("grokked") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!groups.Any(g => g.Name == name)) throw new InvalidDataException($"Saved task '{name}' is not a task of this set.");
            grokked.Add(name);
        }
    }
}
