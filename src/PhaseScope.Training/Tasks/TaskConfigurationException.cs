namespace PhaseScope.Training.Tasks;

/// <summary>A task or training option is invalid; the message names the option, the value and the fix.</summary>
public sealed class TaskConfigurationException(string message) : Exception(message);
