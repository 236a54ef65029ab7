namespace PhaseScope.Checkpoints;

/// <summary>
/// State-dict entries that are buffers, not parameters, told by name (a state dict does not say which is which): the
/// running statistics and counter of PyTorch's and TorchSharp's BatchNorm/InstanceNorm (<c>running_mean</c>,
/// <c>running_var</c>, <c>num_batches_tracked</c>). They are not trained, so the parameter families leave them out
/// (with a note) unless a <c>--tensors</c> pattern names them.
/// </summary>
public static class BufferNames
{
    static readonly string[] Leaves = ["running_mean", "running_var", "num_batches_tracked"];

    /// <summary>Whether <paramref name="name"/>'s last dotted segment is a normalisation layer's buffer.</summary>
    public static bool IsBuffer(string name)
    {
        var leaf = name[(name.LastIndexOf('.') + 1)..];
        return Leaves.Contains(leaf, StringComparer.Ordinal);
    }

    /// <summary>
    /// The rule every parameter family applies to a checkpoint's floating-point entries: normalisation buffers are left out
    /// (returned in <paramref name="buffers"/>) unless <paramref name="pattern"/> is a regular expression of the user's (not
    /// null, <c>all</c> or <c>attention</c>), which then decides alone.
    /// </summary>
    public static IReadOnlyList<CheckpointEntry> Parameters(IReadOnlyList<CheckpointEntry> floating, string? pattern, out IReadOnlyList<CheckpointEntry> buffers)
    {
        buffers = pattern is null or "all" or "attention" ? [.. floating.Where(e => IsBuffer(e.Name))] : [];
        return buffers.Count == 0 ? floating : [.. floating.Where(e => !IsBuffer(e.Name))];
    }
}
