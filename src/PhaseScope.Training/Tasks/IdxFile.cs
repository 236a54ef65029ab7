using System.Buffers.Binary;

namespace PhaseScope.Training.Tasks;

/// <summary>
/// Reader of the IDX format of the MNIST distribution (LeCun et al.): a 4-byte magic number
/// <c>00 00 TYPE DIMS</c> (TYPE 0x08 = unsigned byte), DIMS big-endian 32-bit sizes, then the data in
/// row-major order. Images are <c>DIMS = 3</c> ([count, rows, cols]), labels <c>DIMS = 1</c> ([count]).
/// Everything is checked before use: magic, dimension count, sizes, and that the file holds exactly
/// the bytes its header announces (a truncated download is an error, not a smaller data set).
/// </summary>
public static class IdxFile
{
    /// <summary>Images [count, rows, cols] as bytes (0–255).</summary>
    public sealed record Images(byte[] Pixels, int Count, int Rows, int Columns);

    /// <summary>Reads an unsigned-byte image file (magic 0x00000803).</summary>
    public static Images ReadImages(string path)
    {
        var (dims, data) = Read(path, expectedDims: 3, "image");
        if (dims[1] == 0 || dims[2] == 0) throw new IdxFormatException($"{path}: images of size {dims[1]}×{dims[2]}; an image file needs positive rows and columns.");
        return new Images(data, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads an unsigned-byte label file (magic 0x00000801).</summary>
    public static byte[] ReadLabels(string path) => Read(path, expectedDims: 1, "label").Data;

    static (int[] Dims, byte[] Data) Read(string path, int expectedDims, string kind)
    {
        if (!File.Exists(path)) throw new IdxFormatException($"{path} does not exist; point to a directory holding the four MNIST IDX files.");
        if (PhaseScope.IO.InputFile.Problem(path) is { } why) throw new IdxFormatException($"{path} {why}.");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4) throw new IdxFormatException($"{path} is {bytes.Length} bytes long: too short for an IDX header (truncated download? delete it and fetch again).");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new IdxFormatException(FormattableString.Invariant($"{path} does not start with an IDX magic number (first bytes {bytes[0]:X2} {bytes[1]:X2}, expected 00 00). A gzip file (1F 8B) must be unpacked first."));
        if (bytes[2] != 0x08) throw new IdxFormatException(FormattableString.Invariant($"{path} holds IDX type 0x{bytes[2]:X2}; MNIST {kind} files are unsigned bytes (0x08)."));
        if (bytes[3] != expectedDims)
            throw new IdxFormatException($"{path} has {bytes[3]} dimension(s); an MNIST {kind} file has {expectedDims} (is it the {(expectedDims == 1 ? "image" : "label")} file?).");
        int header = 4 + 4 * expectedDims;
        if (bytes.Length < header) throw new IdxFormatException($"{path} is truncated inside its header ({bytes.Length} of {header} bytes).");
        var dims = new int[expectedDims];
        long total = 1;
        for (int d = 0; d < expectedDims; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (size > int.MaxValue) throw new IdxFormatException($"{path}: dimension {d} is {size}, larger than any MNIST file.");
            dims[d] = (int)size;
            total *= size;
            if (total > int.MaxValue) throw new IdxFormatException($"{path}: the header announces {total}+ values, more than this reader holds in memory.");
        }
        if (bytes.Length - header != total)
            throw new IdxFormatException($"{path}: the header announces {total} values but the file holds {bytes.Length - header} bytes after it ({(bytes.Length - header < total ? "truncated" : "trailing data")}). Delete the file and fetch it again.");
        return (dims, bytes[header..]);
    }

    /// <summary>Writes an unsigned-byte IDX file (tests and user tooling).</summary>
    public static void Write(string path, int[] dims, byte[] data)
    {
        long total = dims.Aggregate(1L, (a, d) => a * d);
        if (total != data.Length) throw new ArgumentException($"{data.Length} values do not fill dimensions [{string.Join(", ", dims)}].");
        using var s = File.Create(path);
        s.Write([0, 0, 0x08, (byte)dims.Length]);
        Span<byte> b = stackalloc byte[4];
        foreach (var d in dims) { BinaryPrimitives.WriteUInt32BigEndian(b, (uint)d); s.Write(b); }
        s.Write(data);
    }
}
