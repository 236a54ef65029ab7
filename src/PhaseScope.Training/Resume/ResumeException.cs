namespace PhaseScope.Training.Resume;

/// <summary>A run cannot be resumed as asked (no complete resume point, a checkpoint that does not fit the model, a
/// finished run); the message names the problem and what to do.</summary>
public sealed class ResumeException(string message, Exception? inner = null) : Exception(message, inner);
