using System.Text;
using PhaseScope.Checkpoints;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Cli;

/// <summary>Issue 24 items 4 and 10 for <c>inspect</c>: a tensor over 2 GiB (exit 1 and a stack trace), a directory
/// ("does not exist"), and ANSI escapes in <c>__metadata__</c> (printed raw to the terminal).</summary>
public class InspectHostileTests
{
    static void WriteHeader(string path, string json, long dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(json);
        using var f = File.Create(path);
        f.Write(BitConverter.GetBytes((ulong)header.Length));
        f.Write(header);
        f.SetLength(8 + header.Length + dataBytes);   // sparse: no disk is used for the zeros
    }

    [Fact]
    public void ATensorOverTwoGibIsListedWithoutReadingIt()
    {
        using var tmp = new TempDirectory();
        var path = Path.Combine(tmp.Path, "big.safetensors");
        const long big = 2_400_000_000;   // 600M float32
        WriteHeader(path, $$$"""{"small":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"big":{"dtype":"F32","shape":[600000000],"data_offsets":[8,{{{8 + big}}}]}}""", 8 + big);
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "inspect", path);
        Assert.True(code == 0, stderr);
        Assert.Contains("not read", stdout);
        Assert.Contains("600000000", stdout);

        // the library refuses such a tensor with its own exception (a clear error in every command), not an overflow
        using var fs = SafetensorsHeader.OpenRead(path);
        var header = SafetensorsHeader.Read(path);
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.LoadTensor(fs, header, header.Entries.Single(x => x.Name == "big"), path));
        Assert.Contains("2 GiB", e.Message);
    }

    [Fact]
    public void ADirectoryAndEscapeCodesInMetadataAreHandled()
    {
        using var tmp = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run(tmp.Path, "inspect", tmp.Path);
        Assert.Equal(2, code);
        Assert.Contains("is a directory", stderr);

        var path = Path.Combine(tmp.Path, "m.safetensors");
        using (var t = zeros(2))
            Safetensors.Save(path, [("w", t)], new Dictionary<string, string> { ["note"] = "\u001b[2J\u001b[31mred" });
        (code, var stdout, stderr) = CliRunner.Run(tmp.Path, "inspect", path);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("\u001b[2J", stdout, StringComparison.Ordinal);   // ordinal: a culture comparison ignores ESC
        Assert.Contains("\\x1b[2J", stdout);   // ESC shown as its visible escape
    }
}
