using System.Buffers.Binary;
using System.Text;

namespace PhaseScope.Reporting.TensorBoard;

/// <summary>
/// Encodes the two TensorBoard <c>Event</c> messages PhaseScope writes (tensorflow/core/util/event.proto):
/// the header <c>Event{wall_time=1, step=2, file_version=3}</c> and scalar summaries
/// <c>Event{wall_time=1, step=2, summary=5: Summary{value=1: Value{tag=1, simple_value=2}*}}</c>.
/// Protocol-buffer wire format written by hand: fixed64 double, varint int64, length-delimited
/// strings and messages, fixed32 float.
/// </summary>
public static class EventProto
{
    /// <summary>The first event of every file.</summary>
    public static byte[] FileVersion(double wallTime)
    {
        var b = new List<byte>();
        Double(b, 1, wallTime);
        Bytes(b, 3, Encoding.UTF8.GetBytes("brain.Event:2"));
        return [.. b];
    }

    /// <summary>One event holding the scalars of one step.</summary>
    public static byte[] Scalars(double wallTime, long step, IEnumerable<(string Tag, float Value)> values)
    {
        var summary = new List<byte>();
        foreach (var (tag, value) in values)
        {
            var v = new List<byte>();
            Bytes(v, 1, Encoding.UTF8.GetBytes(tag));
            Float(v, 2, value);
            Bytes(summary, 1, [.. v]);
        }
        var b = new List<byte>();
        Double(b, 1, wallTime);
        Varint(b, 2, (ulong)step);
        Bytes(b, 5, [.. summary]);
        return [.. b];
    }

    /// <summary>
    /// The step (field 2) of an encoded Event; 0 when absent (the file-version header), as protobuf defaults it;
    /// null when the bytes are not a well-formed message.
    /// </summary>
    public static long? StepOf(ReadOnlySpan<byte> eventBytes)
    {
        long step = 0;
        int pos = 0;
        while (pos < eventBytes.Length)
        {
            if (!ReadVarint(eventBytes, ref pos, out ulong key)) return null;
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    if (!ReadVarint(eventBytes, ref pos, out ulong v)) return null;
                    if (field == 2) step = (long)v;
                    break;
                case 1: pos += 8; break;
                case 5: pos += 4; break;
                case 2:
                    if (!ReadVarint(eventBytes, ref pos, out ulong len) || len > (ulong)(eventBytes.Length - pos)) return null;
                    pos += (int)len;
                    break;
                default: return null;
            }
            if (pos > eventBytes.Length) return null;
        }
        return step;
    }

    static bool ReadVarint(ReadOnlySpan<byte> b, ref int pos, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && pos < b.Length; shift += 7)
        {
            byte x = b[pos++];
            value |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return true;
        }
        return false;
    }

    static void Key(List<byte> b, int field, int wireType) => RawVarint(b, (ulong)((field << 3) | wireType));

    static void Double(List<byte> b, int field, double v)
    {
        Key(b, field, 1);
        Span<byte> s = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(s, v);
        b.AddRange(s.ToArray());
    }

    static void Float(List<byte> b, int field, float v)
    {
        Key(b, field, 5);
        Span<byte> s = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(s, v);
        b.AddRange(s.ToArray());
    }

    static void Varint(List<byte> b, int field, ulong v)
    {
        Key(b, field, 0);
        RawVarint(b, v);
    }

    static void Bytes(List<byte> b, int field, byte[] v)
    {
        Key(b, field, 2);
        RawVarint(b, (ulong)v.Length);
        b.AddRange(v);
    }

    static void RawVarint(List<byte> b, ulong v)
    {
        while (v >= 0x80)
        {
            b.Add((byte)(v | 0x80));
            v >>= 7;
        }
        b.Add((byte)v);
    }
}
