using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PhaseScope.Tests.Examples;

namespace PhaseScope.Tests.Docs;

/// <summary>
/// Every relative link of README.md and docs/ (Markdown links and <c>&lt;img src&gt;</c>, outside code blocks) names a
/// file of the repository, and a <c>#fragment</c> into a Markdown page is one of its headings as GitHub anchors them:
/// lower case, letters, marks, digits, <c>_</c>, <c>-</c> and spaces kept, spaces made hyphens, a repeated heading
/// suffixed <c>-1</c>, <c>-2</c>, ….
/// </summary>
public partial class DocLinkTests
{
    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)|src=""(?<target>[^""]+)""")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#+ (?<title>.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    /// <summary>GitHub's anchor of a heading.</summary>
    static string Anchor(string heading)
    {
        var sb = new StringBuilder();
        foreach (char c in heading.Replace("`", "", StringComparison.Ordinal).Trim().ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(c);
            bool keep = char.IsLetterOrDigit(c) || c is '-' or '_' or ' ' || category is UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.OtherNumber
                or UnicodeCategory.LetterNumber;
            if (keep) sb.Append(c == ' ' ? '-' : c);
        }
        return sb.ToString();
    }

    static HashSet<string> Anchors(string markdown)
    {
        var seen = new Dictionary<string, int>();
        var anchors = new HashSet<string>();
        foreach (Match m in Heading().Matches(CodeBlock().Replace(markdown, "")))
        {
            var a = Anchor(m.Groups["title"].Value);
            int n = seen.GetValueOrDefault(a);
            seen[a] = n + 1;
            anchors.Add(n == 0 ? a : $"{a}-{n}");
        }
        return anchors;
    }

    /// <summary>The broken links of one page, as <c>page: target</c>.</summary>
    static IEnumerable<string> Broken(string page, string markdown)
    {
        foreach (Match m in Link().Matches(CodeBlock().Replace(markdown, "")))
        {
            var target = m.Groups["target"].Value;
            if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal)
                || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
            int hash = target.IndexOf('#', StringComparison.Ordinal);
            var path = hash < 0 ? target : target[..hash];
            var fragment = hash < 0 ? null : target[(hash + 1)..];
            var file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, path));
            if (!File.Exists(file) && !Directory.Exists(file)) { yield return $"{Relative(page)}: {target} (no such file)"; continue; }
            if (fragment is not null && file.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(file)).Contains(fragment))
                yield return $"{Relative(page)}: {target} (no such heading)";
        }
    }

    static string Relative(string path) => Path.GetRelativePath(ExampleRunner.Repository, path);

    [Fact]
    public void EveryRelativeLinkOfTheDocsResolves()
    {
        var repo = ExampleRunner.Repository;
        var pages = new[] { Path.Combine(repo, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(repo, "docs"), "*.md", SearchOption.AllDirectories));
        var broken = pages.SelectMany(p => Broken(p, File.ReadAllText(p))).ToList();
        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [Theory]
    [InlineData("The README's first command", "the-readmes-first-command")]
    [InlineData("The stability margin S = 2/η − λ_max", "the-stability-margin-s--2η--λ_max")]
    [InlineData("d₀: the slope of C(k,k) when the extremal sets do not meet", "d₀-the-slope-of-ckk-when-the-extremal-sets-do-not-meet")]
    [InlineData("A killed process, and `grok --resume`", "a-killed-process-and-grok---resume")]
    public void AnchorsAreGitHubs(string heading, string anchor) => Assert.Equal(anchor, Anchor(heading));

    [Fact]
    public void ABrokenLinkAndAMissingHeadingAreFound()
    {
        var page = Path.Combine(ExampleRunner.Repository, "docs", "X.md");
        var broken = Broken(page, "[a](NOPE.md), [b](MATH.md#no-such-heading), [c](MATH.md#log-space-moments)\n```\n[d](NOPE2.md)\n```").ToList();
        Assert.Equal(["docs/X.md: NOPE.md (no such file)", "docs/X.md: MATH.md#no-such-heading (no such heading)"], broken);
    }
}
