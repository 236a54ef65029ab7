using PhaseScope.Checkpoints;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Checkpoints;

/// <summary>Damaged PyTorch files (every truncation, random byte changes) give a <see cref="CheckpointFormatException"/> or
/// read cleanly, never another exception (which the CLI would report as its own failure) or a native abort.</summary>
public class TorchCheckpointFuzzTests
{
    static string? Outcome(string path)
    {
        try
        {
            using var scope = NewDisposeScope();
            using var f = CheckpointFile.Open(path);
            foreach (var e in f.Index.Entries) f.Load(e.Name);
            return null;
        }
        catch (CheckpointFormatException)
        {
            return null;
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    [Theory]
    [InlineData("mlp_bn_legacy.pt")]
    [InlineData("views_legacy.pt")]
    [InlineData("views_zip.pt")]
    [InlineData("mlp_bn_zip.pt")]
    public void DamagedFilesAreRefusedCleanly(string file)
    {
        using var tmp = new TempDirectory();
        var bytes = File.ReadAllBytes(TorchCheckpointTests.Data(file));
        var path = tmp.File(file);
        var failures = new List<string>();
        for (int n = 0; n < bytes.Length; n += Math.Max(1, bytes.Length / 150))
        {
            File.WriteAllBytes(path, bytes[..n]);
            if (Outcome(path) is { } bad) failures.Add($"truncated to {n}: {bad}");
        }
        var random = new Random(7);
        for (int i = 0; i < 150; i++)
        {
            var copy = (byte[])bytes.Clone();
            for (int k = 0; k < 3; k++) copy[random.Next(copy.Length)] = (byte)random.Next(256);
            File.WriteAllBytes(path, copy);
            if (Outcome(path) is { } bad) failures.Add($"changed #{i}: {bad}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }
}
