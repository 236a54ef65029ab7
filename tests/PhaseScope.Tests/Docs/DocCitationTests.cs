using System.Text.RegularExpressions;
using PhaseScope.Tests.Examples;

namespace PhaseScope.Tests.Docs;

/// <summary>
/// A comment under src/ says the rule a reader needs and cites only what is in the repository: a page of docs/ is cited
/// by its path (<c>docs/MATH.md</c>, never a bare <c>MATH.md</c>, nor the <c>DESIGN.md</c>, <c>TORCHSHARP.md</c> and
/// <c>HOUSE.md</c> kept outside the repository) and exists, and a quoted section or a <c>§N</c> after it is one of that
/// page's headings; no comment names an issue (<c>issue 24</c>, <c>#24</c>), since history lives in git. Other
/// <c>.md</c> names (files the tool writes, such as <c>VERDICT.md</c>) are not citations.
/// </summary>
public partial class DocCitationTests
{
    [GeneratedRegex(@"(?<path>(?:[\w.-]+/)*[\w.-]+\.md)\b(?:(?:,|:)? ""(?<section>[^""]+)""|(?:,)? (?<para>§\d+))?")]
    private static partial Regex MarkdownCitation();

    [GeneratedRegex(@"\b[Ii]ssues? #?\d+|(?<![&\w#""'])#\d{1,4}\b")]
    private static partial Regex IssueReference();

    [GeneratedRegex(@"^#+ (?<title>.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    /// <summary>Design notes that lived beside the repository, never in it: what they held is in docs/.</summary>
    static readonly string[] OutsideTheRepository = ["DESIGN.md", "TORCHSHARP.md", "HOUSE.md"];

    /// <summary>The comment part of one C# line (after <c>//</c>, or inside <c>/* */</c>), null when it has none.</summary>
    static string? CommentOf(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith("/*", StringComparison.Ordinal) || trimmed.StartsWith('*')) return trimmed;
        bool inString = false;
        for (int i = 0; i + 1 < line.Length; i++)
        {
            char c = line[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            }
            else if (c == '"') inString = true;
            else if (c == '\'' && i + 2 < line.Length) i += line[i + 1] == '\\' ? 3 : 2;   // a char literal such as '"'
            else if (c == '/' && line[i + 1] == '/') return line[(i + 2)..];
        }
        return null;
    }

    /// <summary>What is wrong with the comments of one file, as <c>path:line: problem</c>.</summary>
    static IEnumerable<string> Problems(string path, string text, Func<string, string?> readDoc)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            var comment = CommentOf(lines[n]);
            if (comment is null) continue;
            foreach (Match m in IssueReference().Matches(comment))
                yield return $"{path}:{n + 1}: names an issue ('{m.Value}'): say the rule instead";
            foreach (Match m in MarkdownCitation().Matches(comment))
            {
                var cited = m.Groups["path"].Value;
                if (!cited.Contains('/'))
                {
                    if (OutsideTheRepository.Contains(cited) || readDoc($"docs/{cited}") is not null)
                        yield return $"{path}:{n + 1}: cites {cited}, which is not a page of the repository (cite a page as docs/NAME.md)";
                    continue;
                }
                if (!cited.StartsWith("docs/", StringComparison.Ordinal)) continue;
                var doc = readDoc(cited);
                if (doc is null)
                {
                    yield return $"{path}:{n + 1}: cites {cited}, which is not a page of the repository";
                    continue;
                }
                var section = m.Groups["section"].Success ? m.Groups["section"].Value : m.Groups["para"].Success ? m.Groups["para"].Value : null;
                if (section is not null && !Heading().Matches(doc).Any(h => h.Groups["title"].Value.StartsWith(section, StringComparison.Ordinal)))
                    yield return $"{path}:{n + 1}: cites {cited} \"{section}\", which is not a heading there";
            }
        }
    }

    static string? ReadDoc(string relative)
    {
        var full = Path.GetFullPath(Path.Combine(ExampleRunner.Repository, relative));
        return full.StartsWith(ExampleRunner.Repository, StringComparison.Ordinal) && File.Exists(full) ? File.ReadAllText(full) : null;
    }

    [Fact]
    public void EveryCommentUnderSrcCitesOnlyPagesOfTheRepository()
    {
        var src = Path.Combine(ExampleRunner.Repository, "src");
        var sep = Path.DirectorySeparatorChar;
        var problems = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{sep}bin{sep}", StringComparison.Ordinal) && !f.Contains($"{sep}obj{sep}", StringComparison.Ordinal))
            .SelectMany(f => Problems(Path.GetRelativePath(ExampleRunner.Repository, f), File.ReadAllText(f), ReadDoc))
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData("/// <summary>Weight decay (TorchSharp's default is 0, TORCHSHARP.md §3).</summary>", "not a page of the repository")]
    [InlineData("/// The reference setup (DESIGN.md \"Reference setups\").", "not a page of the repository")]
    [InlineData("/// See docs/NOPE.md.", "not a page of the repository")]
    [InlineData("/// Measured (PERFORMANCE.md).", "not a page of the repository")]
    [InlineData("/// See docs/TORCHSHARP.md §99.", "not a heading there")]
    [InlineData("/// See docs/PERFORMANCE.md, \"The budget of the sixth part\".", "not a heading there")]
    [InlineData("    // one process at a time (issue 24 item 3)", "names an issue")]
    [InlineData("x = 1;   // as #12 asked", "names an issue")]
    public void ACommentThatPointsOutsideIsFound(string line, string problem)
    {
        var found = Problems("A.cs", line, ReadDoc).ToList();
        Assert.Single(found);
        Assert.Contains(problem, found[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/// Why: docs/TORCHSHARP.md §3, and docs/MATH.md \"Log-space moments\".")]
    [InlineData("/// See docs/GLOSSARY.md; writes VERDICT.md and ablation.md.")]
    [InlineData("/// The bundle (Html/Plotly/README.md).")]
    [InlineData("sb.Append(\"<rect stroke=\\\"#444\\\"/>\");   // a colour, not an issue")]
    [InlineData("var quote = '\"'; // a quote character, then docs/MATH.md")]
    [InlineData("s.Replace(\"'\", \"&#39;\");")]
    public void ACommentThatCitesTheRepositoryPasses(string line) => Assert.Empty(Problems("A.cs", line, ReadDoc));
}
