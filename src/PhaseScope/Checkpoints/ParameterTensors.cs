namespace PhaseScope.Checkpoints;

/// <summary>
/// Which tensors of a checkpoint are parameters. A state dict (PyTorch's <c>state_dict()</c>, TorchSharp's, PhaseScope's
/// checkpoints) holds the module's buffers beside its parameters: BatchNorm's running statistics
/// (<c>running_mean</c>, <c>running_var</c>) and its step counter (<c>num_batches_tracked</c>, I64). They are not trained by
/// gradients, so no family treats them as parameters: buffers are recognised by these names (the only ones
/// <c>torch.nn</c>'s modules register), integer and boolean tensors by dtype (no gradient flows through them); each kind
/// that was skipped is said in one note. A live monitor reads <c>named_parameters()</c> and never sees buffers.
/// </summary>
public static class ParameterTensors
{
    /// <summary>Name endings of the buffers <c>torch.nn</c>'s normalisation layers register.</summary>
    public static IReadOnlyList<string> BufferNames { get; } = ["running_mean", "running_var", "num_batches_tracked"];

    /// <summary>Whether <paramref name="name"/> (a state-dict key) names a normalisation layer's buffer.</summary>
    public static bool IsBuffer(string name) =>
        BufferNames.Any(b => name == b || name.EndsWith("." + b, StringComparison.Ordinal));

    /// <summary>
    /// The indices of the parameter tensors among <paramref name="tensors"/> (name, safetensors dtype), in order;
    /// <paramref name="notes"/> says what was skipped: one line for buffers, one for other non-floating tensors.
    /// </summary>
    public static int[] Select(IReadOnlyList<(string Name, string DType)> tensors, out List<string> notes)
    {
        var kept = new List<int>();
        var buffers = new List<string>();
        var integers = new List<string>();
        for (int i = 0; i < tensors.Count; i++)
        {
            var (name, dtype) = tensors[i];
            if (IsBuffer(name)) buffers.Add(name);
            else if (!SafetensorsDType.IsFloatingPoint(dtype)) integers.Add($"{name} ({dtype})");
            else kept.Add(i);
        }
        notes = [];
        if (buffers.Count > 0) notes.Add($"skipped {buffers.Count} normalisation buffer{(buffers.Count == 1 ? "" : "s")} (running statistics and counters are not parameters): {Names(buffers)}");
        if (integers.Count > 0) notes.Add($"skipped {integers.Count} non-floating tensor{(integers.Count == 1 ? "" : "s")} (no gradient flows through them): {Names(integers)}");
        return kept.ToArray();
    }

    static string Names(List<string> names) =>
        string.Join(", ", names.Take(6)) + (names.Count > 6 ? $" (+{names.Count - 6})" : "");
}
