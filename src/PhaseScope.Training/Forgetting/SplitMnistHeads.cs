namespace PhaseScope.Training.Forgetting;

/// <summary>How split MNIST's classifier reads the two tasks out.</summary>
public enum SplitMnistHeads
{
    /// <summary>One 10-way head shared by both tasks (class-incremental: task A is scored over all ten digits).</summary>
    Single,
    /// <summary>One 5-way head per task on a shared trunk (task-incremental, the usual multi-head protocol: each task is
    /// trained and scored through its own head, labels 0–4 within the task).</summary>
    Multi,
}
