namespace PhaseScope.Runtime;

/// <summary>
/// The native runtime cannot be made to work on this machine. The message names the
/// problem and the fix; callers (the CLI) print it and exit non-zero.
/// </summary>
public sealed class PhaseScopeRuntimeException(string message, Exception? inner = null) : Exception(message, inner);
