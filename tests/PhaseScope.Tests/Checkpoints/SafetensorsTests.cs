using System.Buffers.Binary;
using System.Text;
using PhaseScope.Checkpoints;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Checkpoints;

public class SafetensorsTests
{
    static byte[] FileBytes(string header, byte[] data, ulong? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)h.Length);
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        return bytes;
    }

    [Fact]
    public void ReadsAHandBuiltFileWithKnownBitPatterns()
    {
        // F32 1.5 = 0x3FC00000, −2.0 = 0xC0000000; BF16 1.0 = 0x3F80, −0.5 = 0xBF00 (IEEE 754 / bfloat16 encodings), little-endian.
        var data = new byte[] { 0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x80, 0x3F, 0x00, 0xBF };
        var header = """{"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}""";
        using var dir = new TempDirectory();
        var path = dir.File("hand.safetensors");
        File.WriteAllBytes(path, FileBytes(header, data));

        var tensors = Safetensors.Load(path, out var meta);
        Assert.Equal("pt", meta["format"]);
        Assert.Equal(new long[] { 2, 1 }, tensors["a"].shape);
        Assert.Equal(new float[] { 1.5f, -2.0f }, tensors["a"].data<float>().ToArray());
        Assert.Equal(ScalarType.BFloat16, tensors["b"].dtype);
        Assert.Equal(new float[] { 1.0f, -0.5f }, tensors["b"].to_type(ScalarType.Float32).data<float>().ToArray());
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    public void RoundTripsEveryDtypeBitForBit(ScalarType type)
    {
        using var dir = new TempDirectory();
        var path = dir.File("rt.safetensors");
        manual_seed(7);
        using var a = (randn(3, 5) * 10).to_type(type);
        using var b = arange(7).to_type(type);
        using var scalar = tensor(3.0).to_type(type);
        Safetensors.Save(path, [("layer.weight", a), ("layer.bias", b), ("scalar", scalar)], new Dictionary<string, string> { ["step"] = "12" });

        var loaded = Safetensors.Load(path, out var meta);
        Assert.Equal("12", meta["step"]);
        Assert.Equal(a.bytes.ToArray(), loaded["layer.weight"].bytes.ToArray());
        Assert.Equal(b.bytes.ToArray(), loaded["layer.bias"].bytes.ToArray());
        Assert.Empty(loaded["scalar"].shape);
        Assert.Equal(scalar.bytes.ToArray(), loaded["scalar"].bytes.ToArray());
        foreach (var t in loaded.Values) Assert.Equal(type, t.dtype);
        foreach (var t in loaded.Values) t.Dispose();

        // Header length is padded to a multiple of 8 and the file holds nothing else.
        var bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        long elementSize = type switch { ScalarType.Float64 or ScalarType.Int64 => 8, ScalarType.Float32 => 4, _ => 2 };
        Assert.Equal(8 + (long)n + (15 + 7 + 1) * elementSize, bytes.LongLength);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    public static TheoryData<string, byte[], string> Malformed() => new()
    {
        { "empty file", [], "shorter than the 8-byte header length" },
        { "header past end", FileBytes("{}", [], 1000), "runs past the end" },
        { "huge header length", FileBytes("{}", [], ulong.MaxValue), "exceeds the" },
        { "zero header", FileBytes("", []), "header length is 0" },
        { "bad json", FileBytes("{\"a\":", []), "not valid UTF-8 JSON" },
        { "not an object", FileBytes("[1,2]", []), "not an object" },
        { "unknown dtype", FileBytes("""{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}""", [0]), "dtype 'F8_E4M3'" },
        { "offsets past end", FileBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", [0, 0, 0, 0]), "past the end of the 4-byte data buffer" },
        { "truncated data", FileBytes("""{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}""", [0, 0, 0, 0]), "past the end" },
        { "size mismatch", FileBytes("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]), "needs 12" },
        { "hole", FileBytes("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}""", new byte[4]), "hole" },
        { "overlap", FileBytes("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}""", new byte[3]), "overlapping" },
        { "trailing bytes", FileBytes("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}""", new byte[5]), "trailing bytes" },
        { "negative dim", FileBytes("""{"a":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]}}""", new byte[2]), "non-negative integer" },
        { "end before begin", FileBytes("""{"a":{"dtype":"U8","shape":[0],"data_offsets":[2,0]}}""", new byte[2]), "before begin" },
        { "duplicate name", FileBytes("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", new byte[2]), "appears twice" },
        { "metadata not strings", FileBytes("""{"__metadata__":{"k":1}}""", []), "is not a string" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFilesGiveAClearError(string caseName, byte[] bytes, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File(caseName.Replace(' ', '_') + ".safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
    }
}
