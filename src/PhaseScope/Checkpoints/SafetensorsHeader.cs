using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace PhaseScope.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">safetensors dtype name (e.g. <c>F32</c>).</param>
/// <param name="Type">The matching TorchSharp type.</param>
/// <param name="Shape">Shape (empty for a scalar).</param>
/// <param name="Begin">Start offset in the data buffer.</param>
/// <param name="End">End offset (exclusive) in the data buffer.</param>
public sealed record SafetensorsEntry(string Name, string DType, ScalarType Type, long[] Shape, long Begin, long End);

/// <summary>
/// A validated safetensors header: 8-byte little-endian header length N, N bytes of JSON
/// (<c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}</c>), then the
/// data buffer, which the entries must cover exactly, without holes or overlaps (the format's rule).
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Largest header accepted (the reference implementation's limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The tensors, in file order of their data.</summary>
    public required IReadOnlyList<SafetensorsEntry> Entries { get; init; }
    /// <summary>The <c>__metadata__</c> string map (empty when absent).</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    /// <summary>Byte offset of the data buffer in the file (8 + N).</summary>
    public required long DataOffset { get; init; }

    /// <summary>Reads and validates the header of <paramref name="path"/>.</summary>
    /// <exception cref="SafetensorsFormatException">The file is not valid safetensors; the message says how.</exception>
    public static SafetensorsHeader Read(string path)
    {
        using var fs = OpenRead(path);
        return Read(fs, path);
    }

    /// <summary>Opens a safetensors file for reading (<see cref="Safetensors.LoadTensor"/>); a failure is a <see cref="SafetensorsFormatException"/>.</summary>
    public static FileStream OpenRead(string path)
    {
        if (PhaseScope.IO.InputFile.Problem(path) is { } why) throw new SafetensorsFormatException($"{path} {why}.");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafetensorsFormatException($"{path}: cannot be opened ({e.Message}).");
        }
    }

    internal static SafetensorsHeader Read(FileStream fs, string path)
    {
        var headerBytes = ReadHeaderBytes(fs, path);
        long dataLength = fs.Length - 8 - headerBytes.Length;
        using var doc = ParseJson(path, headerBytes);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "header JSON is not an object");
        var (entries, metadata) = ParseEntries(path, doc.RootElement);
        CheckCoverage(path, entries, dataLength);
        return new SafetensorsHeader { Entries = entries, Metadata = metadata, DataOffset = 8 + (long)headerBytes.Length };
    }

    /// <summary>The N header bytes after the 8-byte length, once N is checked against the limit and the file's length.</summary>
    static byte[] ReadHeaderBytes(FileStream fs, string path)
    {
        long fileLength = fs.Length;
        if (fileLength < 8)
            throw Bad(path, $"file is {fileLength} bytes, shorter than the 8-byte header length; it is truncated or not safetensors");
        Span<byte> lenBytes = stackalloc byte[8];
        fs.ReadExactly(lenBytes);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n == 0) throw Bad(path, "header length is 0; a header holds at least '{}'");
        if (n > MaxHeaderBytes) throw Bad(path, $"header length {n} exceeds the {MaxHeaderBytes}-byte limit; the file is corrupt or not safetensors");
        if ((long)n > fileLength - 8) throw Bad(path, $"header length {n} runs past the end of the {fileLength}-byte file; it is truncated");
        var headerBytes = new byte[n];
        fs.ReadExactly(headerBytes);
        return headerBytes;
    }

    /// <summary>The header as JSON: strict UTF-8, at most 16 levels deep.</summary>
    static JsonDocument ParseJson(string path, byte[] headerBytes)
    {
        try
        {
            var text = new UTF8Encoding(false, true).GetString(headerBytes);
            return JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            throw Bad(path, $"header is not valid UTF-8 JSON ({e.Message})");
        }
    }

    /// <summary>The tensors sorted by their data offsets, and the <c>__metadata__</c> strings; a name may appear once.</summary>
    static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata) ParseEntries(string path, JsonElement root)
    {
        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>();
        var seen = new HashSet<string>();
        foreach (var prop in root.EnumerateObject())
        {
            if (!seen.Add(prop.Name)) throw Bad(path, $"name '{prop.Name}' appears twice in the header");
            if (prop.Name == "__metadata__") ParseMetadata(path, prop.Value, metadata);
            else entries.Add(ParseEntry(path, prop));
        }
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        return (entries, metadata);
    }

    static void ParseMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Bad(path, "__metadata__ is not an object of strings");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String) throw Bad(path, $"__metadata__['{m.Name}'] is not a string");
            metadata[m.Name] = m.Value.GetString()!;
        }
    }

    /// <summary>The sorted entries cover the data buffer exactly: no hole, no overlap, nothing past its end or after the last.</summary>
    static void CheckCoverage(string path, List<SafetensorsEntry> entries, long dataLength)
    {
        long expected = 0;
        foreach (var e in entries)
        {
            if (e.Begin != expected)
                throw Bad(path, e.Begin > expected
                    ? $"tensor '{e.Name}' starts at {e.Begin} but the previous data ends at {expected}: the data buffer has a hole"
                    : $"tensor '{e.Name}' starts at {e.Begin}, overlapping data that ends at {expected}");
            if (e.End > dataLength)
                throw Bad(path, $"tensor '{e.Name}' data_offsets end at {e.End}, past the end of the {dataLength}-byte data buffer; the file is truncated");
            expected = e.End;
        }
        if (expected != dataLength)
            throw Bad(path, $"the tensors cover {expected} bytes but the data buffer holds {dataLength}: trailing bytes are not indexed");
    }

    static SafetensorsEntry ParseEntry(string path, JsonProperty prop)
    {
        var name = prop.Name;
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw Bad(path, $"entry '{name}' is not an object");
        if (!v.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw Bad(path, $"entry '{name}' has no string 'dtype'");
        var dtype = dtypeEl.GetString()!;
        if (!SafetensorsDType.TryParse(dtype, out var type, out int size))
            throw Bad(path, $"entry '{name}' has dtype '{dtype}', which PhaseScope does not read (supported: {SafetensorsDType.Supported})");
        if (!v.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"entry '{name}' has no 'shape' array");
        var shape = new List<long>();
        long numel = 1;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw Bad(path, $"entry '{name}' has a shape dimension that is not a non-negative integer ({d})");
            shape.Add(dim);
            try { numel = checked(numel * dim); }
            catch (OverflowException) { throw Bad(path, $"entry '{name}' has a shape whose element count overflows"); }
        }
        if (!v.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw Bad(path, $"entry '{name}' has no 'data_offsets' pair [begin, end]");
        var off = offEl.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.Number && o.TryGetInt64(out long x) && x >= 0 ? x : -1).ToArray();
        if (off[0] < 0 || off[1] < 0) throw Bad(path, $"entry '{name}' has data_offsets that are not non-negative integers");
        if (off[1] < off[0]) throw Bad(path, $"entry '{name}' has data_offsets end {off[1]} before begin {off[0]}");
        long bytes;
        try { bytes = checked(numel * size); }
        catch (OverflowException) { throw Bad(path, $"entry '{name}' has a byte size that overflows"); }
        if (off[1] - off[0] != bytes)
            throw Bad(path, $"entry '{name}' spans {off[1] - off[0]} bytes but dtype {dtype} with shape [{string.Join(", ", shape)}] needs {bytes}");
        return new SafetensorsEntry(name, dtype, type, shape.ToArray(), off[0], off[1]);
    }

    static SafetensorsFormatException Bad(string path, string problem) =>
        new($"{path}: not a valid safetensors file: {problem}.");
}
