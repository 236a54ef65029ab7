using System.Text.RegularExpressions;

namespace PhaseScope.Tests.Examples;

/// <summary>
/// Every <c>```csharp</c> block in README.md and docs/*.md is code that is compiled and run: it is, line for line, a
/// marked region of a file under examples/ (<c>// region: NAME</c> … <c>// endregion</c>) or a whole file there, and
/// the block may say where it comes from after <c>```csharp</c> on its first line. A block that
/// matches no region, or a region that was edited without its block, fails with the file and line of the block.
/// </summary>
public partial class ExampleBlockTests
{
    [GeneratedRegex(@"^```csharp[^\n]*\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"^[ \t]*// region: (?<name>[\w-]+)[ \t]*\r?\n(?<body>.*?)^[ \t]*// endregion[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Region();

    static string Normalise(string text) => string.Join("\n", text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd())).Trim('\n');

    /// <summary>Each region (and each whole file) of examples/, by where it lives.</summary>
    static List<(string Where, string Code)> ExampleCode()
    {
        var root = Path.Combine(ExampleRunner.Repository, "examples");
        var code = new List<(string, string)>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            var text = File.ReadAllText(file);
            var relative = Path.GetRelativePath(ExampleRunner.Repository, file);
            code.Add((relative, Normalise(text)));
            foreach (Match m in Region().Matches(text)) code.Add(($"{relative} region {m.Groups["name"].Value}", Normalise(m.Groups["body"].Value)));
        }
        return code;
    }

    static IEnumerable<(string Doc, int Line, string Code)> DocBlocks()
    {
        var repo = ExampleRunner.Repository;
        var docs = new[] { Path.Combine(repo, "README.md") }.Concat(Directory.EnumerateFiles(Path.Combine(repo, "docs"), "*.md"));
        foreach (var doc in docs)
        {
            var text = File.ReadAllText(doc).Replace("\r\n", "\n");
            foreach (Match m in CSharpBlock().Matches(text))
                yield return (Path.GetRelativePath(repo, doc), text[..m.Index].Count(c => c == '\n') + 1, Normalise(m.Groups[1].Value));
        }
    }

    [Fact]
    public void EveryPrintedBlockIsAnExampleRegion()
    {
        var code = ExampleCode();
        var blocks = DocBlocks().ToList();
        Assert.NotEmpty(blocks);
        var orphans = blocks.Where(b => !code.Any(c => c.Code == b.Code)).Select(b => $"{b.Doc}:{b.Line}").ToList();
        Assert.True(orphans.Count == 0,
            $"C# blocks that are not a region of a file under examples/ (copy the block into one between '// region: NAME' and '// endregion', or fix the drift): {string.Join(", ", orphans)}");
    }

    [Fact]
    public void TheReadmeShowsOneExampleOnItsFirstScreen()
    {
        var blocks = DocBlocks().Where(b => b.Doc == "README.md").ToList();
        Assert.Single(blocks);
        Assert.True(blocks[0].Line <= 60, $"README's example starts at line {blocks[0].Line}; keep it on the first screen (≤ 60)");
        Assert.Contains("PhaseScopeSession.Attach", blocks[0].Code);
    }

    [Fact]
    public void ABlockThatDriftedIsFound()
    {
        var code = ExampleCode();
        var mlp = code.Single(c => c.Where.EndsWith("region readme", StringComparison.Ordinal)).Code;
        Assert.Contains(code, c => c.Code == mlp);
        var drifted = mlp.Replace("weight_decay: 1.0", "weight_decay: 0.5");
        Assert.NotEqual(mlp, drifted);
        Assert.DoesNotContain(code, c => c.Code == drifted);
    }
}
