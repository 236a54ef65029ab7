namespace PhaseScope.Reporting.Query;

/// <summary>
/// The statement rule of <c>phasescope query</c>: one statement (a trailing <c>;</c> is fine) that reads — its first keyword is
/// one of <see cref="Allowed"/>. Everything else (COPY … TO, ATTACH, INSTALL, LOAD, EXPORT, SET, PRAGMA, CREATE, INSERT …) is
/// refused before DuckDB sees it. Behind the rule, DuckDB itself runs with external access off and its configuration locked
/// (<see cref="RunsDatabase"/>), so no statement can reach a file or an extension even if it slipped past the keyword.
/// </summary>
public static class ReadOnlyStatement
{
    /// <summary>First keywords of reading statements.</summary>
    public static readonly IReadOnlySet<string> Allowed = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "SELECT", "WITH", "FROM", "VALUES", "TABLE", "DESCRIBE", "SHOW", "SUMMARIZE", "EXPLAIN", "PIVOT", "UNPIVOT" };

    /// <summary>Throws <see cref="QueryException"/> when <paramref name="sql"/> is not one reading statement.</summary>
    public static void Check(string sql)
    {
        var statements = Split(sql).Where(s => s.Trim().Length > 0).ToList();
        if (statements.Count == 0) throw new QueryException("the SQL is empty; give one SELECT over the tables metrics, events, runs and config.");
        if (statements.Count > 1) throw new QueryException($"give one statement at a time (got {statements.Count}, separated by ';').");
        var keyword = FirstKeyword(statements[0]);
        if (!Allowed.Contains(keyword))
            throw new QueryException($"only reading statements run ({string.Join(", ", Allowed.Order(StringComparer.Ordinal))}); got {(keyword.Length == 0 ? "none" : keyword.ToUpperInvariant())}. Queries never write files or runs.");
    }

    /// <summary>Splits on <c>;</c> outside quotes and comments.</summary>
    static IEnumerable<string> Split(string sql)
    {
        int start = 0, i = 0;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (c is '\'' or '"') i = SkipQuoted(sql, i, c);
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-') { while (i < sql.Length && sql[i] != '\n') i++; }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*') { int end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal); i = end < 0 ? sql.Length : end + 2; }
            else if (c == ';') { yield return sql[start..i]; start = ++i; }
            else i++;
        }
        yield return sql[start..];
    }

    static int SkipQuoted(string sql, int i, char quote)
    {
        for (i++; i < sql.Length; i++)
            if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote) i++;   // doubled quote inside
                else return i + 1;
            }
        return sql.Length;
    }

    /// <summary>The first word after whitespace, comments and opening parentheses.</summary>
    static string FirstKeyword(string statement)
    {
        int i = 0;
        while (i < statement.Length)
        {
            if (char.IsWhiteSpace(statement[i]) || statement[i] == '(') i++;
            else if (statement.AsSpan(i).StartsWith("--")) { while (i < statement.Length && statement[i] != '\n') i++; }
            else if (statement.AsSpan(i).StartsWith("/*")) { int end = statement.IndexOf("*/", i + 2, StringComparison.Ordinal); i = end < 0 ? statement.Length : end + 2; }
            else break;
        }
        int j = i;
        while (j < statement.Length && char.IsLetter(statement[j])) j++;
        return statement[i..j];
    }
}
