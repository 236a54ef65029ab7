namespace PhaseScope.Checkpoints;

/// <summary>A safetensors file is malformed; the message names the file, the problem and what was expected.</summary>
public sealed class SafetensorsFormatException(string message) : Exception(message);
