using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PhaseScope.Training.Mnist;

/// <summary>
/// A fully connected ReLU classifier inputs → h₁ → … → h_L → classes with any hidden widths; LeNet-300-100
/// (LeCun et al. 1998, the lottery-ticket MLP of Frankle and Carbin 2019) is widths 300, 100. PyTorch's default
/// initialisation. Its weights are <c>layers.j.weight</c> (j = 0 … L), the tensors pruning acts on.
/// </summary>
public sealed class LayeredMlp : Module<Tensor, Tensor>
{
    readonly TorchSharp.Modules.ModuleList<Module<Tensor, Tensor>> layers;

    /// <summary>Creates the network.</summary>
    public LayeredMlp(int inputs, IReadOnlyList<int> hidden, int classes) : base(nameof(LayeredMlp))
    {
        ArgumentNullException.ThrowIfNull(hidden);
        if (inputs < 1 || classes < 2 || hidden.Any(h => h < 1))
            throw new ArgumentException($"An MLP needs ≥ 1 input, hidden widths ≥ 1 and ≥ 2 classes (got {inputs}, [{string.Join(", ", hidden)}], {classes}).");
        int[] sizes = [inputs, .. hidden, classes];
        layers = ModuleList<Module<Tensor, Tensor>>([.. Enumerable.Range(0, sizes.Length - 1).Select(j => (Module<Tensor, Tensor>)Linear(sizes[j], sizes[j + 1]))]);
        RegisterComponents();
    }

    /// <summary>Names of the weight matrices, input layer first.</summary>
    public IReadOnlyList<string> WeightNames => [.. Enumerable.Range(0, layers.Count).Select(j => $"layers.{j}.weight")];

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        for (int j = 0; j < layers.Count; j++)
        {
            h = layers[j].call(h);
            if (j + 1 < layers.Count) h = functional.relu(h);
        }
        return h.MoveToOuterDisposeScope();
    }
}
