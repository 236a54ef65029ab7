namespace PhaseScope.Checkpoints;

/// <summary>
/// What a checkpoint holds, read without its tensor data: its format, its tensors (in the file's order for safetensors,
/// by name for PyTorch files, whose pickled dictionaries keep no order PhaseScope can recover), its metadata and a note on
/// how the tensors were found (e.g. under a full training checkpoint's <c>"model"</c> key).
/// </summary>
public sealed class CheckpointIndex
{
    /// <summary>The file.</summary>
    public required string Path { get; init; }
    /// <summary>Its format.</summary>
    public required CheckpointFormat Format { get; init; }
    /// <summary>Its tensors.</summary>
    public required IReadOnlyList<CheckpointEntry> Entries { get; init; }
    /// <summary>String metadata: safetensors' <c>__metadata__</c>; for a PyTorch training checkpoint, its integer and
    /// string entries beside the state dict (e.g. <c>epoch</c>, <c>global_step</c>).</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    /// <summary>Where the state dict was found, when not at the top level (null otherwise).</summary>
    public string? Note { get; init; }

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public CheckpointEntry? Find(string name) => Entries.FirstOrDefault(e => e.Name == name);
}
