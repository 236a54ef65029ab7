using PhaseScope.Cli;
using PhaseScope.Cli.Commands.Sweep;
using PhaseScope.IO;

namespace PhaseScope.Tests.Cli;

/// <summary><c>sweep --shard I/N</c>: the slice, its validation, and the manifest that concurrent shards create.</summary>
public class SweepShardTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/3", 2, 3)]
    [InlineData(" 4 / 16 ", 4, 16)]
    public void ReadsIOverN(string text, int index, int count) => Assert.Equal(new SweepShard(index, count), SweepShard.Parse(text));

    [Theory]
    [InlineData("3/3", "0-based")]
    [InlineData("1/0", "N must be at least 1")]
    [InlineData("-1/3", "must be I/N")]
    [InlineData("1", "must be I/N")]
    [InlineData("1/2/3", "must be I/N")]
    [InlineData("a/b", "must be I/N")]
    [InlineData("99999999999/3", "must be I/N")]
    public void RefusesWhatIsNotASlice(string text, string expected)
    {
        var e = Assert.Throws<UsageException>(() => SweepShard.Parse(text));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith($"--shard {text}:", e.Message);
    }

    /// <summary>Every cell belongs to exactly one of N shards, c mod N, and the shards of the whole grid are its cells.</summary>
    [Fact]
    public void ShardsPartitionTheGrid()
    {
        var plan = SweepCommand.Parse("modular", "add,mul", "1,2,3", "1.0,0.0", 10, "");
        var cells = plan.Cells().Select(c => c.Name).ToList();
        Assert.Equal(12, cells.Count);
        var shards = Enumerable.Range(0, 5).Select(i => new SweepShard(i, 5)).ToList();
        for (int c = 0; c < cells.Count; c++) Assert.Equal([c % 5], shards.Where(s => s.Contains(c)).Select(s => s.Index));
        Assert.All(Enumerable.Range(0, cells.Count), c => Assert.True(SweepShard.All.Contains(c)));
        // the order is the documented one: operations, then weight decays, then seeds
        Assert.Equal(["modular-add-s1-wd1", "modular-add-s2-wd1", "modular-add-s3-wd1", "modular-add-s1-wd0"], cells.Take(4));
    }

    /// <summary>Racing creators: exactly one writes the file, whole; the others are told it exists and leave it alone.</summary>
    [Fact]
    public void ExactlyOneOfManyConcurrentCreatorsWins()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "sweep.json");
        for (int round = 0; round < 20; round++)
        {
            if (File.Exists(path)) File.Delete(path);
            var wins = new int[8];
            Parallel.For(0, 8, i => wins[i] = AtomicCreate.TryWrite(path, s => s.Write(Enumerable.Repeat((byte)('a' + i), 4096).ToArray())) ? 1 : 0);
            Assert.Equal(1, wins.Sum());
            int winner = Array.IndexOf(wins, 1);
            Assert.Equal(Enumerable.Repeat((byte)('a' + winner), 4096), File.ReadAllBytes(path));
        }
        Assert.Equal(["sweep.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));   // no temporary file left
    }
}
