namespace PhaseScope.Checkpoints;

/// <summary>
/// A checkpoint cannot be read: not a format PhaseScope reads, corrupt or truncated, or a pickle that holds more than a
/// state dict. The message names the file, the problem and what to do.
/// </summary>
public sealed class CheckpointFormatException(string message) : Exception(message);
