using System.Buffers.Binary;
using System.Numerics;

namespace PhaseScope.Reporting.Outputs.TensorBoard;

/// <summary>
/// Writes TFRecord framing, the container of TensorBoard event files: for each record,
/// <c>uint64 length</c>, <c>uint32 masked_crc32c(length)</c>, the bytes, <c>uint32 masked_crc32c(bytes)</c>,
/// all little-endian. The CRC is CRC-32C (Castagnoli), masked as TensorFlow does:
/// <c>((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8</c>.
/// </summary>
public sealed class TfRecordWriter(Stream stream) : IDisposable
{
    /// <summary>Appends one record.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc32C(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc32C(data));
        stream.Write(header);
        stream.Write(data);
        stream.Write(footer);
    }

    /// <summary>Flushes to the operating system (visible to TensorBoard, survives a killed process).</summary>
    public void Flush() => stream.Flush();

    /// <summary>CRC-32C of <paramref name="data"/> (hardware-accelerated where the CPU has it).</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>TensorFlow's masked CRC, which keeps CRCs of CRC-bearing data well distributed.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    /// <summary>Closes the stream.</summary>
    public void Dispose() => stream.Dispose();
}
