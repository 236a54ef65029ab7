namespace PhaseScope.Reporting.Store;

/// <summary>A run directory or its database cannot be used; the message says which and why.</summary>
public sealed class RunStoreException(string message, Exception? inner = null) : Exception(message, inner);
