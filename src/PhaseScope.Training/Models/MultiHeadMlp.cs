using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PhaseScope.Training.Models;

/// <summary>
/// The multi-head variant of the split-MNIST classifier (the usual task-incremental protocol): the trunk of
/// <see cref="Mlp"/>, input → hidden → hidden with ReLU, shared by all tasks, and one linear output head
/// hidden → classes per task. <see cref="forward"/> routes through the head of <see cref="ActiveTask"/> only, so a
/// task's loss sends gradients into the trunk and its own head and none into another task's head. Its tensors are
/// <c>fc1.*</c>, <c>fc2.*</c> and <c>heads.t.*</c> (t = 0, 1, …); PyTorch's default initialisation.
/// </summary>
public sealed class MultiHeadMlp : Module<Tensor, Tensor>
{
    readonly TorchSharp.Modules.Linear fc1, fc2;
    readonly TorchSharp.Modules.ModuleList<TorchSharp.Modules.Linear> heads;
    int active;

    /// <summary>Creates the network with <paramref name="tasks"/> heads of <paramref name="classesPerTask"/> outputs.</summary>
    public MultiHeadMlp(int inputs, int hidden, int classesPerTask, int tasks) : base(nameof(MultiHeadMlp))
    {
        if (inputs < 1 || hidden < 1 || classesPerTask < 2 || tasks < 1)
            throw new ArgumentException($"A multi-head MLP needs ≥ 1 input, ≥ 1 hidden unit, ≥ 2 classes per head and ≥ 1 head (got {inputs}, {hidden}, {classesPerTask}, {tasks}).");
        fc1 = Linear(inputs, hidden);
        fc2 = Linear(hidden, hidden);
        heads = ModuleList([.. Enumerable.Range(0, tasks).Select(_ => Linear(hidden, classesPerTask))]);
        RegisterComponents();
    }

    /// <summary>Number of heads.</summary>
    public int Tasks => heads.Count;

    /// <summary>The task whose head <see cref="forward"/> uses (0-based).</summary>
    public int ActiveTask
    {
        get => active;
        set
        {
            if (value < 0 || value >= heads.Count) throw new ArgumentOutOfRangeException(nameof(value), value, $"The model has heads 0 … {heads.Count - 1}.");
            active = value;
        }
    }

    /// <summary>The parameters of task <paramref name="task"/>'s head (weight, bias).</summary>
    public IReadOnlyList<TorchSharp.Modules.Parameter> HeadParameters(int task) => [.. heads[task].parameters()];

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var h1 = functional.relu(fc1.forward(x));
        using var h2 = functional.relu(fc2.forward(h1));
        return heads[active].forward(h2);
    }
}
