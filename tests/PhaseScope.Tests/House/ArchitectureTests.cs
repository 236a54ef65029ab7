using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PhaseScope.Tests.Examples;

namespace PhaseScope.Tests.House;

/// <summary>
/// The layout's rules (docs/ARCHITECTURE.md "Rooms named by what they hold"): in PhaseScope.Reporting and PhaseScope.Cli
/// every file's namespace is its folder, and PhaseScope.Reporting's homes point one way: Store uses none of the others,
/// Outputs only Store, Evaluation and Query (peers) only Store and Outputs, and no home uses the types at the project's root
/// (<c>RunFinish</c>), which sit above them all. A home "uses" another when a type the other declares, or the other's
/// namespace segment, appears as a name in its code (using directives and qualified names included, comments not).
/// </summary>
public class ArchitectureTests
{
    static string Source => Path.Combine(ExampleRunner.Repository, "src");

    /// <summary>Each home of PhaseScope.Reporting with its rank: a home may use only homes of a lower rank ("" is the root).</summary>
    static readonly Dictionary<string, int> ReportingHomes = new(StringComparer.Ordinal)
    {
        ["Store"] = 0, ["Outputs"] = 1, ["Evaluation"] = 2, ["Query"] = 2, [""] = 3,
    };

    static IEnumerable<string> Files(string project) =>
        Directory.EnumerateFiles(Path.Combine(Source, project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(Source, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    static string Relative(string file) => Path.GetRelativePath(Source, file).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>The namespaces a file declares (file-scoped or block).</summary>
    internal static IEnumerable<string> Namespaces(string text) =>
        CSharpSyntaxTree.ParseText(text).GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().Select(n => n.Name.ToString());

    /// <summary>The top-level types a file declares.</summary>
    internal static IEnumerable<string> DeclaredTypes(string text) =>
        CSharpSyntaxTree.ParseText(text).GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>()
            .Where(t => t.Parent is BaseNamespaceDeclarationSyntax or CompilationUnitSyntax).Select(t => t.Identifier.Text);

    /// <summary>Every simple name the file's code uses (using directives and qualified names included; comments, strings and
    /// the names it declares are not names it uses).</summary>
    internal static HashSet<string> NamesUsed(string text) =>
        CSharpSyntaxTree.ParseText(text).GetRoot().DescendantNodes().OfType<IdentifierNameSyntax>().Select(n => n.Identifier.Text).ToHashSet(StringComparer.Ordinal);

    /// <summary>The home of a file of PhaseScope.Reporting: its first folder, or "" at the project's root.</summary>
    static string HomeOf(string relative)
    {
        var parts = relative.Split('/');
        return parts.Length > 2 ? parts[1] : "";
    }

    [Theory]
    [InlineData("PhaseScope.Reporting")]
    [InlineData("PhaseScope.Cli")]
    public void EveryFileIsInTheNamespaceOfItsFolder(string project)
    {
        var wrong = new List<string>();
        foreach (var file in Files(project))
        {
            var relative = Relative(file);
            if (relative == "PhaseScope.Cli/Program.cs") continue;   // top-level statements: no namespace
            var expected = string.Join('.', relative.Split('/')[..^1]);
            var declared = Namespaces(File.ReadAllText(file)).ToList();
            if (declared is not [var only] || only != expected)
                wrong.Add($"src/{relative} declares namespace {string.Join(", ", declared.DefaultIfEmpty("(none)"))}; its folder says {expected}");
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void ReportingHomesPointOneWay()
    {
        var files = Files("PhaseScope.Reporting").Select(f => (Relative: Relative(f), Text: File.ReadAllText(f))).ToList();
        foreach (var (relative, _) in files)
            Assert.True(ReportingHomes.ContainsKey(HomeOf(relative)), $"src/{relative} is in a home ArchitectureTests does not rank: add it to ReportingHomes and to docs/ARCHITECTURE.md");
        var typesOf = files.GroupBy(f => HomeOf(f.Relative))
            .ToDictionary(g => g.Key, g => g.SelectMany(f => DeclaredTypes(f.Text)).ToHashSet(StringComparer.Ordinal));
        var wrong = new List<string>();
        foreach (var (relative, text) in files)
        {
            var home = HomeOf(relative);
            var used = NamesUsed(text);
            foreach (var (other, rank) in ReportingHomes)
            {
                if (other == home || rank < ReportingHomes[home]) continue;
                var named = typesOf.GetValueOrDefault(other, []).Where(used.Contains).ToList();
                if (other != "" && used.Contains(other)) named.Add($"namespace {other}");
                if (named.Count > 0)
                    wrong.Add($"src/{relative} ({(home == "" ? "root" : home)}) uses {(other == "" ? "the root" : other)}: {string.Join(", ", named)}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    /// <summary>The readers themselves, on a hand-made file: one file-scoped namespace, two top-level types (not the nested
    /// one), and the names its code uses — a using directive's segments and a qualified name's, not a comment's or a string's.</summary>
    [Fact]
    public void ReadersSeeNamespacesTypesAndUsedNames()
    {
        const string text = """
            using PhaseScope.Reporting.Store;
            namespace A.B;
            // Outputs in a comment
            public sealed class C { sealed class Nested { } string S => "Evaluation"; object R => Outputs.Html.RunReport.Write; }
            record D(int X);
            """;
        Assert.Equal(["A.B"], Namespaces(text));
        Assert.Equal(["C", "D"], DeclaredTypes(text));
        var used = NamesUsed(text);
        Assert.Superset(new HashSet<string> { "PhaseScope", "Reporting", "Store", "Outputs", "Html", "RunReport", "Write" }, used);
        Assert.DoesNotContain("Evaluation", used);
        Assert.DoesNotContain("C", used);
        Assert.DoesNotContain("Nested", used);
    }
}
