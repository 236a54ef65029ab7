using PhaseScope.Runtime;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PhaseScope.Training.Forgetting;

/// <summary>
/// The classifier of a split-MNIST run and the two tasks as it sees them (<see cref="SplitMnistHeads"/>). With one
/// head: <see cref="Mlp"/> 784-H-H-10 and the tasks' digit labels as they are. With one head per task:
/// <see cref="MultiHeadMlp"/> 784-H-H-(5, 5), each task's labels shifted to 0–4 within the task (task B's digit 5 is
/// its class 0), and <see cref="Use"/> routes the model through the task's own head, for training, evaluation, the
/// Fisher estimate and the moments readings alike.
/// </summary>
public sealed class SplitMnistModel : IDisposable
{
    readonly MultiHeadMlp? multi;
    readonly List<Tensor> owned = [];

    SplitMnistModel(Module<Tensor, Tensor> model, MultiHeadMlp? multi, SplitMnist.Split a, SplitMnist.Split b)
    {
        Model = model;
        this.multi = multi;
        TaskA = a;
        TaskB = b;
    }

    /// <summary>The network (its parameters are what the strategies, the monitor and the readings act on).</summary>
    public Module<Tensor, Tensor> Model { get; }
    /// <summary>Task A with the labels its head is trained on.</summary>
    public SplitMnist.Split TaskA { get; }
    /// <summary>Task B with the labels its head is trained on.</summary>
    public SplitMnist.Split TaskB { get; }

    /// <summary>Builds the model (under the caller's seed) for <paramref name="heads"/>.</summary>
    public static SplitMnistModel Create(SplitMnist data, SplitMnistHeads heads, int hidden)
    {
        int inputs = (int)data.TaskA.TrainInputs.shape[1];
        if (heads == SplitMnistHeads.Single) return new SplitMnistModel(new Mlp(inputs, hidden, 10), null, data.TaskA, data.TaskB);
        var model = new MultiHeadMlp(inputs, hidden, SplitMnist.TaskADigits.Length, tasks: 2);
        var result = new SplitMnistModel(model, model, data.TaskA, Shifted(data.TaskB, SplitMnist.TaskBDigits[0], out var train, out var test));
        result.owned.AddRange([train, test]);
        return result;
    }

    /// <summary>Routes the model through the head of task <paramref name="task"/> (0 = A, 1 = B); with one head, nothing to route.</summary>
    public void Use(int task)
    {
        if (task is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(task), task, "Split MNIST has tasks 0 (A) and 1 (B).");
        if (multi is not null) multi.ActiveTask = task;
    }

    static SplitMnist.Split Shifted(SplitMnist.Split task, int first, out Tensor train, out Tensor test)
    {
        // The inputs are the data's own tensors (not copied, not disposed here); only the shifted labels are new.
        train = KeptScalar.With((long)-first, s => task.TrainLabels.add(s, KeptScalar.One));
        test = KeptScalar.With((long)-first, s => task.TestLabels.add(s, KeptScalar.One));
        return new SplitMnist.Split(task.TrainInputs, train, task.TestInputs, test);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        foreach (var t in owned) t.Dispose();
    }
}
