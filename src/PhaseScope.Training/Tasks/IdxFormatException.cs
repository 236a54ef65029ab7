namespace PhaseScope.Training.Tasks;

/// <summary>An IDX file (MNIST's format) is missing, truncated or not the kind expected; the message names the file and the fix.</summary>
public sealed class IdxFormatException(string message) : Exception(message);
