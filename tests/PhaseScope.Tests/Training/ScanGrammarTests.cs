using System.Security.Cryptography;
using System.Text;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Tests.Training;

/// <summary>The SCAN generator against the official split files of Lake &amp; Baroni (../shared/data/scan/).</summary>
public class ScanGrammarTests
{
    static string Official(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "scan", file);
            if (File.Exists(candidate)) return candidate;
        }
        return "";
    }

    /// <summary>
    /// SHA-256 of each official file's lines ("IN: c OUT: a", actions trimmed), sorted bytewise, joined by "\n" with a final
    /// "\n" — computed from the files in ../shared/data/scan/ on 2026-11-23 (Python, independently of this code), so the
    /// generator is checked exactly even where the files are not present (CI's clean clone).
    /// </summary>
    static readonly Dictionary<string, (int Lines, string Sha256)> OfficialDigests = new()
    {
        ["tasks.txt"] = (20910, "6be4b39bc8bf3a20be810b6991250d0493e608560609db6765dd679e1ed1c98e"),
        ["tasks_train_length.txt"] = (16990, "7ffb97f45029871c94bede7e723f7a4aa179eb99fe2b977a18283310422c719d"),
        ["tasks_test_length.txt"] = (3920, "3297fd0b676c391f7bc3a7385aa66a7fdf64f6f8e81ad584810c1d4ebd0eaa2c"),
        ["tasks_train_addprim_jump.txt"] = (14670, "0683daacfdce23cf8ed6f5077feda21785e93ac82e0d11363a9280b7b0c6561e"),
        ["tasks_test_addprim_jump.txt"] = (7706, "522454c6280eab957dfc4ea9579ef1d780a716ac34df09619970e1d98822d7e2"),
    };

    static string Digest(IEnumerable<ScanExample> examples)
    {
        var lines = examples.Select(e => $"IN: {e.Command} OUT: {e.Actions}").Select(Encoding.UTF8.GetBytes).ToList();
        lines.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var l in lines) { sha.AppendData(l); sha.AppendData("\n"u8); }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    [Theory]
    [InlineData("tasks.txt")]
    [InlineData("tasks_train_length.txt")]
    [InlineData("tasks_test_length.txt")]
    [InlineData("tasks_train_addprim_jump.txt")]
    [InlineData("tasks_test_addprim_jump.txt")]
    public void GeneratedSplitsHaveTheOfficialFilesDigests(string file)
    {
        IReadOnlyList<ScanExample> ours = file switch
        {
            "tasks.txt" => ScanGrammar.All(),
            _ when file.StartsWith("tasks_train_", StringComparison.Ordinal) => ScanSplits.Named(file["tasks_train_".Length..^4]).Train,
            _ => ScanSplits.Named(file["tasks_test_".Length..^4]).Test,
        };
        Assert.Equal(OfficialDigests[file].Lines, ours.Count);
        Assert.Equal(OfficialDigests[file].Sha256, Digest(ours));
        // Where the files are present, the digest recorded above is checked against them too.
        if (Official(file) is { Length: > 0 } path) Assert.Equal(OfficialDigests[file].Sha256, Digest(ScanSplits.ReadFile(path)));
    }

    /// <summary>Counted by hand from the grammar: 4 primitives × 7 forms + 6 forms of "turn" = 34 verb phrases, ×3 = 102
    /// sentences, 102 + 2·102² = 20,910 commands, all distinct.</summary>
    [Fact]
    public void GrammarHasTheCountedSizes()
    {
        Assert.Equal(34, ScanGrammar.VerbPhrases().Count);
        Assert.Equal(102, ScanGrammar.Sentences().Count);
        var all = ScanGrammar.All();
        Assert.Equal(20910, all.Count);
        Assert.Equal(20910, all.Select(e => e.Command).Distinct().Count());
        // Two meanings worked by hand from the interpretation rules.
        Assert.Equal("I_TURN_RIGHT I_TURN_RIGHT I_RUN I_TURN_RIGHT I_TURN_RIGHT I_WALK I_TURN_RIGHT I_TURN_RIGHT I_WALK I_TURN_RIGHT I_TURN_RIGHT I_WALK",
            all.Single(e => e.Command == "walk opposite right thrice after run opposite right").Actions);
        Assert.Equal("I_TURN_LEFT I_TURN_LEFT I_TURN_LEFT I_TURN_LEFT I_LOOK",
            all.Single(e => e.Command == "turn around left and look").Actions);
        Assert.Equal(48, all.Max(e => e.ActionCount));
    }

    [Fact]
    public void SimpleSplitHasTheOfficialSizesAndPartitionsTheCommands()
    {
        // The official simple split has 16,728 training and 4,182 test lines (wc -l of the files).
        var ours = ScanSplits.Simple(42);
        Assert.Equal(16728, ours.Train.Count);
        Assert.Equal(4182, ours.Test.Count);
        Assert.Empty(ours.Train.Select(e => e.Command).Intersect(ours.Test.Select(e => e.Command)));
        Assert.Equal(20910, ours.Train.Concat(ours.Test).Select(e => e.Command).Distinct().Count());
        Assert.Equal(ours.Train, ScanSplits.Simple(42).Train);   // seeded
        Assert.NotEqual(ours.Train, ScanSplits.Simple(7).Train);
    }

    [Fact]
    public void MalformedLineIsNamed()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("bad.txt"), ["IN: walk OUT: I_WALK", "walk I_WALK"]);
        var e = Assert.Throws<TaskConfigurationException>(() => ScanSplits.ReadFile(dir.File("bad.txt")));
        Assert.Contains("bad.txt:2", e.Message);
    }
}
