namespace PhaseScope.Reporting.Query;

/// <summary>A query that cannot run: bad SQL (DuckDB's own message, first line) or a statement the read-only rule refuses.</summary>
public sealed class QueryException(string message, Exception? inner = null) : Exception(message, inner);
