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

    static Dictionary<string, int> Multiset(IEnumerable<ScanExample> examples) =>
        examples.GroupBy(e => $"{e.Command} → {e.Actions}").ToDictionary(g => g.Key, g => g.Count());

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
    public void GeneratedCommandsAreExactlyTheOfficialOnes()
    {
        var path = Official("tasks.txt");
        Assert.True(path.Length > 0, "../shared/data/scan/tasks.txt not found above the test directory");
        Assert.Equal(Multiset(ScanSplits.ReadFile(path)), Multiset(ScanGrammar.All()));
    }

    [Theory]
    [InlineData("length")]
    [InlineData("addprim_jump")]
    public void DeterministicSplitsEqualTheOfficialFiles(string split)
    {
        var ours = ScanSplits.Named(split);
        Assert.Equal(Multiset(ScanSplits.ReadFile(Official($"tasks_train_{split}.txt"))), Multiset(ours.Train));
        Assert.Equal(Multiset(ScanSplits.ReadFile(Official($"tasks_test_{split}.txt"))), Multiset(ours.Test));
    }

    [Fact]
    public void SimpleSplitHasTheOfficialSizesAndPartitionsTheCommands()
    {
        var official = ScanSplits.ReadFile(Official("tasks_train_simple.txt"));
        var ours = ScanSplits.Simple(42);
        Assert.Equal(official.Count, ours.Train.Count);
        Assert.Equal(ScanSplits.ReadFile(Official("tasks_test_simple.txt")).Count, ours.Test.Count);
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
