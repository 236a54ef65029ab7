namespace PhaseScope.Reporting.Query;

/// <summary>A query's result: column names and DuckDB types, and the rows (values as DuckDB.NET returns them; null for SQL NULL).</summary>
/// <param name="Columns">Column names, in order.</param>
/// <param name="Types">DuckDB type names (e.g. <c>DOUBLE</c>, <c>VARCHAR</c>), one per column.</param>
/// <param name="Rows">The rows.</param>
public sealed record QueryResult(IReadOnlyList<string> Columns, IReadOnlyList<string> Types, IReadOnlyList<object?[]> Rows);
