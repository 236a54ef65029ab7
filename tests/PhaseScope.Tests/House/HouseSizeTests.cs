using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PhaseScope.Tests.Examples;

namespace PhaseScope.Tests.House;

/// <summary>
/// The house's size limits on src/ (docs/ARCHITECTURE.md "Sizes the house keeps"): no method, constructor, accessor or
/// local function over <see cref="MaxMethodLines"/> lines, no file over <see cref="MaxFileLines"/>, numeric kernels aside
/// (<see cref="Kernels"/>, each named with the reason). Lines are counted by Roslyn's syntax tree from the declaration's
/// first line (its attributes, not its doc comment) to its closing brace or semicolon.
/// </summary>
public class HouseSizeTests
{
    /// <summary>The longest method the house keeps.</summary>
    public const int MaxMethodLines = 60;

    /// <summary>The longest file under src/ the house keeps.</summary>
    public const int MaxFileLines = 400;

    /// <summary>Numeric kernels, by file (relative to src/) or by <c>file:Type.Member</c>, and why each may be longer: a kernel
    /// reads as one formula or one pass, and splitting it would scatter the indices it shares.</summary>
    static readonly Dictionary<string, string> Kernels = new(StringComparer.Ordinal)
    {
        ["PhaseScope/Moments/Fast/FastCouplingSurface.cs"] = "the coupling surface's blocked cell pass (Joint) and its fixed summation order (docs/MOMENTS.md), one kernel",
        ["PhaseScope/Moments/Fast/HostPass.cs:HostPass.PowerSums"] = "one pass over the ranks accumulating every power sum of the moments at once",
        ["PhaseScope/SpectralEdge/SymmetricEigen.cs:SymmetricEigen.Decompose"] = "the cyclic Jacobi sweep: rotation, convergence test and eigenvector update share their indices",
        ["PhaseScope/LearningCoefficient/LocalLearningCoefficient.cs:LocalLearningCoefficient.Estimate"] = "the SGLD sampler: reference loss, chains, burn-in and draws of one estimate in one loop nest",
    };

    /// <summary>Members over the limit that are not kernels and are still to be split, by <c>file:Type.Member</c>, each with
    /// why it waits: the list only shrinks, and a member that is split should leave it.</summary>
    static readonly Dictionary<string, string> ToSplit = new(StringComparer.Ordinal)
    {
        ["PhaseScope.Training/Trainer.cs:Trainer.Run"] = "the loop every grok option reaches; split once the options being added to it have landed",
        ["PhaseScope/Checkpoints/CheckpointAnalyzer.cs:CheckpointAnalyzer.Moments"] = "not split yet",
        ["PhaseScope/Checkpoints/SafetensorsHeader.cs:SafetensorsHeader.Read"] = "a format parser, not split yet",
        ["PhaseScope/Checkpoints/TorchPickle.cs:TorchPickle.Open"] = "a format parser, not split yet",
        ["PhaseScope/Runtime/ElfSymbolVersions.cs:ElfSymbolVersions.Parse"] = "a format parser, not split yet",
        ["PhaseScope/Monitoring/Probes/ConsolidationProbe.cs:ConsolidationProbe.Observe"] = "not split yet",
    };

    static string Source => Path.Combine(ExampleRunner.Repository, "src");

    static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    static string Relative(string file) => Path.GetRelativePath(Source, file).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>Every method-like member of <paramref name="file"/>: its <c>Type.Member</c> name, first line and length in lines.</summary>
    internal static IEnumerable<(string Name, int Line, int Lines)> Members(string text)
    {
        var root = CSharpSyntaxTree.ParseText(text).GetRoot();
        foreach (var node in root.DescendantNodes())
        {
            string? member = node switch
            {
                MethodDeclarationSyntax m => m.Identifier.Text,
                ConstructorDeclarationSyntax c => c.Identifier.Text + " (constructor)",
                AccessorDeclarationSyntax a => $"{(a.Parent?.Parent as PropertyDeclarationSyntax)?.Identifier.Text ?? "indexer"}.{a.Keyword.Text}",
                PropertyDeclarationSyntax { ExpressionBody: not null } p => p.Identifier.Text,
                OperatorDeclarationSyntax o => "operator " + o.OperatorToken.Text,
                LocalFunctionStatementSyntax l => l.Identifier.Text + " (local)",
                _ => null,
            };
            if (member is null) continue;
            var type = node.Ancestors().OfType<BaseTypeDeclarationSyntax>().FirstOrDefault()?.Identifier.Text ?? "";
            var span = node.GetLocation().GetLineSpan();
            yield return ($"{type}.{member}", span.StartLinePosition.Line + 1, span.EndLinePosition.Line - span.StartLinePosition.Line + 1);
        }
    }

    [Fact]
    public void NoMethodIsLongerThanTheHouseKeeps()
    {
        var tooLong = new List<string>();
        foreach (var file in SourceFiles())
        {
            var relative = Relative(file);
            if (Kernels.ContainsKey(relative)) continue;
            foreach (var (name, line, lines) in Members(File.ReadAllText(file)))
                if (lines > MaxMethodLines && !Kernels.ContainsKey($"{relative}:{name}") && !ToSplit.ContainsKey($"{relative}:{name}"))
                    tooLong.Add($"src/{relative}:{line} {name} has {lines} lines (at most {MaxMethodLines}): split it into named steps, or, for a numeric kernel, add it to HouseSizeTests.Kernels with the reason");
        }
        Assert.True(tooLong.Count == 0, string.Join('\n', tooLong));
    }

    [Fact]
    public void NoFileIsLongerThanTheHouseKeeps()
    {
        var tooLong = SourceFiles().Select(f => (File: Relative(f), Lines: File.ReadAllLines(f).Length))
            .Where(f => f.Lines > MaxFileLines && !Kernels.ContainsKey(f.File))
            .Select(f => $"src/{f.File} has {f.Lines} lines (at most {MaxFileLines}): move one of its ideas into a file of its own").ToList();
        Assert.True(tooLong.Count == 0, string.Join('\n', tooLong));
    }

    /// <summary>The counter itself, on a hand-made file: a 4-line method, a 63-line method (signature, braces, a declaration and 59 body
    /// lines), an expression-bodied property of 2 lines, and a local function of 4 lines inside a method of 7.</summary>
    [Fact]
    public void MembersAreCountedFromDeclarationToClosingBrace()
    {
        var body = string.Join('\n', Enumerable.Range(0, 59).Select(i => $"        x += {i};"));
        var text = $$"""
            class C
            {
                /// <summary>Not counted.</summary>
                int Short()
                {
                    return 1;
                }
                void Long()
                {
                    int x = 0;
            {{body}}
                }
                int P =>
                    1;
                void Outer()
                {
                    int Inner()
                    {
                        return 2;
                    }
                }
            }
            """;
        var members = Members(text).ToDictionary(m => m.Name, m => m.Lines);
        // Long: signature, '{', 'int x', 59 body lines, '}' = 63 lines
        Assert.Equal(new Dictionary<string, int> { ["C.Short"] = 4, ["C.Long"] = 63, ["C.P"] = 2, ["C.Outer"] = 7, ["C.Inner (local)"] = 4 }, members);
    }

    /// <summary>Every allow-list entry names a file (or member) that exists, so a moved kernel does not leave a stale pass.</summary>
    [Fact]
    public void AllowListNamesExistingFiles()
    {
        foreach (var key in Kernels.Keys.Concat(ToSplit.Keys))
            Assert.True(File.Exists(Path.Combine(Source, key.Split(':')[0])), $"HouseSizeTests names src/{key}, which does not exist");
    }
}
