using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PhaseScope.Training.Models;

/// <summary>
/// A fully connected ReLU network input → hidden → hidden → classes, the classifier of the split-MNIST
/// experiment (seed 000 §5.3 does not give its architecture; two hidden layers of 256 is PhaseScope's choice).
/// </summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    readonly TorchSharp.Modules.Linear fc1, fc2, fc3;

    /// <summary>Creates the network with PyTorch's default initialisation.</summary>
    public Mlp(int inputs, int hidden, int classes) : base(nameof(Mlp))
    {
        if (inputs < 1 || hidden < 1 || classes < 2) throw new ArgumentException($"An MLP needs ≥ 1 input, ≥ 1 hidden unit and ≥ 2 classes (got {inputs}, {hidden}, {classes}).");
        fc1 = Linear(inputs, hidden);
        fc2 = Linear(hidden, hidden);
        fc3 = Linear(hidden, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var h1 = functional.relu(fc1.forward(x));
        using var h2 = functional.relu(fc2.forward(h1));
        return fc3.forward(h2);
    }
}
