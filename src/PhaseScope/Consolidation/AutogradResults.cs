using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>
/// <c>autograd.grad(..., allow_unused: true)</c> returns no tensor (or an invalid handle) for an input the
/// output does not depend on; its derivative is zero. One place turns those into zeros of the input's shape.
/// </summary>
static class AutogradResults
{
    /// <summary>The gradients, with zeros shaped like <paramref name="inputs"/>[i] where autograd returned none.</summary>
    public static Tensor[] OrZeros(IList<Tensor> gradients, IReadOnlyList<Tensor> inputs) =>
        gradients.Select((g, i) => g is { IsInvalid: false } ? g : zeros_like(inputs[i])).ToArray();
}
