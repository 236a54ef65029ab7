using System.Buffers.Binary;
using System.Text;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.TensorBoard;

namespace PhaseScope.Tests.Reporting;

public class TensorBoardSinkTests
{
    /// <summary>Bit-by-bit CRC-32C (reflected polynomial 0x82F63B78), independent of the code under test.</summary>
    static uint ReferenceCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }

    static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);

    [Fact]
    public void Crc32CMatchesTheStandardCheckValue()
    {
        var check = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xE3069283u, ReferenceCrc32C(check)); // the published CRC-32C check value
        Assert.Equal(0xE3069283u, TfRecordWriter.Crc32C(check));
    }

    internal sealed record Scalar(double WallTime, long Step, string Tag, float Value);

    /// <summary>Reads TFRecords, verifying both masked CRCs, and decodes Event protos (fields 1, 2, 3, 5).</summary>
    internal static (string? FileVersion, List<Scalar> Scalars) Parse(byte[] file)
    {
        string? version = null;
        var scalars = new List<Scalar>();
        int pos = 0;
        while (pos < file.Length)
        {
            ulong len = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos));
            Assert.Equal(Mask(ReferenceCrc32C(file.AsSpan(pos, 8))), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 8)));
            var data = file.AsSpan(pos + 12, (int)len);
            Assert.Equal(Mask(ReferenceCrc32C(data)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 12 + (int)len)));
            pos += 12 + (int)len + 4;

            double wall = 0;
            long step = 0;
            var values = new List<(string, float)>();
            foreach (var (field, wire, raw, bytes) in Fields(data.ToArray()))
            {
                if (field == 1) wall = BitConverter.Int64BitsToDouble((long)raw);
                else if (field == 2) step = (long)raw;
                else if (field == 3) version = Encoding.UTF8.GetString(bytes!);
                else if (field == 5)
                    foreach (var (f, _, _, valueBytes) in Fields(bytes!))
                    {
                        Assert.Equal(1, f);
                        string tag = "";
                        float v = float.NaN;
                        foreach (var (vf, _, vraw, vbytes) in Fields(valueBytes!))
                        {
                            if (vf == 1) tag = Encoding.UTF8.GetString(vbytes!);
                            if (vf == 2) v = BitConverter.Int32BitsToSingle((int)vraw);
                        }
                        values.Add((tag, v));
                    }
            }
            scalars.AddRange(values.Select(v => new Scalar(wall, step, v.Item1, v.Item2)));
        }
        return (version, scalars);
    }

    static IEnumerable<(int Field, int Wire, ulong Raw, byte[]? Bytes)> Fields(byte[] msg)
    {
        int i = 0;
        ulong Varint()
        {
            ulong v = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = msg[i++];
                v |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return v;
            }
        }
        while (i < msg.Length)
        {
            ulong key = Varint();
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return (field, wire, Varint(), null); break;
                case 1: yield return (field, wire, BinaryPrimitives.ReadUInt64LittleEndian(msg.AsSpan(i)), null); i += 8; break;
                case 5: yield return (field, wire, BinaryPrimitives.ReadUInt32LittleEndian(msg.AsSpan(i)), null); i += 4; break;
                case 2:
                    int len = (int)Varint();
                    yield return (field, wire, 0, msg.AsSpan(i, len).ToArray());
                    i += len;
                    break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
    }

    [Fact]
    public void ForgetAfterDropsLaterStepsAndAKilledWritersPartialRecord()
    {
        using var dir = new TempDirectory();
        string file;
        using (var sink = new TensorBoardSink(dir.Path))
        {
            file = sink.FilePath;
            for (int step = 1; step <= 10; step++) sink.Write([new MetricRecord(step, "loss", 1.0 / step)]);
            sink.Write(new MonitorEvent(7, "gap_opened", "spectral", "test"));
        }
        // a record cut short by a kill: a valid-looking length, then nothing
        using (var fs = new FileStream(file, FileMode.Append)) fs.Write([40, 0, 0, 0, 0, 0, 0, 0, 1, 2]);

        Assert.Equal(6, TensorBoardSink.ForgetAfter(dir.Path, 5)); // steps 6–10 and the event at 7

        var (version, scalars) = Parse(File.ReadAllBytes(file)); // every CRC checked by the reference implementation
        Assert.Equal("brain.Event:2", version);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, scalars.Select(x => x.Step).ToArray());
        Assert.Equal(1f / 3, scalars[2].Value);
        var bytes = File.ReadAllBytes(file);
        Assert.Equal(0, TensorBoardSink.ForgetAfter(dir.Path, 5)); // nothing more to drop: the file is left alone
        Assert.Equal(bytes, File.ReadAllBytes(file));
        Assert.Equal(0, TensorBoardSink.ForgetAfter(Path.Combine(dir.Path, "absent"), 5));

        // A tail of 14 bytes whose length field passes its CRC but promises more than the file holds.
        var header = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header, 40);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), TfRecordWriter.MaskedCrc32C(header.AsSpan(0, 8)));
        using (var fs = new FileStream(file, FileMode.Append)) { fs.Write(header); fs.Write([7, 7]); }
        Assert.Equal(0, TensorBoardSink.ForgetAfter(dir.Path, 5));
        Assert.Equal(bytes, File.ReadAllBytes(file));
    }

    [Fact]
    public void WritesFramedEventsWithTagsStepsValuesAndUnixWallTimes()
    {
        using var dir = new TempDirectory();
        double before = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        string path;
        using (var sink = new TensorBoardSink(dir.Path))
        {
            path = sink.FilePath;
            sink.Write([new MetricRecord(1, "loss", 2.5), new MetricRecord(1, "grad_norm/layers.0.w", 0.125), new MetricRecord(2, "loss", double.NaN)]);
            sink.Write(new MonitorEvent(2, "grokked", "trainer", "done"));
        }
        double after = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        Assert.Contains("tfevents", Path.GetFileName(path));

        var (version, scalars) = Parse(File.ReadAllBytes(path));
        Assert.Equal("brain.Event:2", version);
        Assert.Equal(
            [(1L, "loss", 2.5f), (1L, "grad_norm/layers.0.w", 0.125f), (2L, "loss", float.NaN), (2L, "events/grokked", 1f)],
            scalars.Select(s => (s.Step, s.Tag, s.Value)));
        // Unix seconds with sub-second resolution, not .NET ticks.
        Assert.All(scalars, s => Assert.InRange(s.WallTime, before - 1e-3, after + 1e-3));
        Assert.Contains(scalars, s => s.WallTime != Math.Floor(s.WallTime));
    }
}
