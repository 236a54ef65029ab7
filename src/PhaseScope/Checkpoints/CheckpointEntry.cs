using static TorchSharp.torch;

namespace PhaseScope.Checkpoints;

/// <summary>One tensor of a checkpoint, as its file describes it (nothing of its data is read).</summary>
/// <param name="Name">Tensor name (a state dict's key).</param>
/// <param name="DType">safetensors dtype name (<c>F32</c>, <c>I64</c>, …), also used for PyTorch files.</param>
/// <param name="Type">The TorchSharp type.</param>
/// <param name="Shape">Shape (empty for a 0-dimensional tensor).</param>
public sealed record CheckpointEntry(string Name, string DType, ScalarType Type, long[] Shape)
{
    /// <summary>Elements (1 for a 0-dimensional tensor).</summary>
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Whether the tensor is floating point (parameters, gradients, running statistics), not an integer counter or mask.</summary>
    public bool IsFloatingPoint => SafetensorsDType.IsFloatingPoint(DType);

    /// <summary>Bytes of its data.</summary>
    public long Bytes => Elements * (SafetensorsDType.TryParse(DType, out _, out int size) ? size : 0);
}
