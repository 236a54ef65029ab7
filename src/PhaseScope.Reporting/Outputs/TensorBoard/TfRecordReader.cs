using System.Buffers.Binary;

namespace PhaseScope.Reporting.Outputs.TensorBoard;

/// <summary>
/// Reads TFRecord framing (<see cref="TfRecordWriter"/>): records in order, each with both masked CRC-32Cs checked.
/// Reading stops at the first record that is cut short or fails a check — the tail a killed writer leaves — and
/// <see cref="Intact"/> says whether the whole file was read.
/// </summary>
public sealed class TfRecordReader(byte[] file)
{
    /// <summary>False when the file ends in a partial or corrupt record (the records before it are still returned).</summary>
    public bool Intact { get; private set; } = true;

    /// <summary>The records' payloads, in file order.</summary>
    public IEnumerable<byte[]> Records()
    {
        int pos = 0;
        while (pos < file.Length)
        {
            if (file.Length - pos < 16) { Intact = false; yield break; } // not even an empty record's framing
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos));
            if (TfRecordWriter.MaskedCrc32C(file.AsSpan(pos, 8)) != BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 8))
                || length > (ulong)(file.Length - pos - 16)) { Intact = false; yield break; }
            var data = file.AsSpan(pos + 12, (int)length);
            if (TfRecordWriter.MaskedCrc32C(data) != BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 12 + (int)length))) { Intact = false; yield break; }
            yield return data.ToArray();
            pos += 16 + (int)length;
        }
    }
}
