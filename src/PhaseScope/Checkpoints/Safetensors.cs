using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using PhaseScope.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (huggingface/safetensors), so checkpoints written here
/// open in PyTorch (<c>safetensors.torch.load_file</c>) and checkpoints written by PyTorch can be
/// analysed offline. Supported dtypes: <see cref="SafetensorsDType.Supported"/>.
/// </summary>
public static class Safetensors
{
    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> atomically (<see cref="AtomicFile"/>),
    /// so a crash never leaves a half-written checkpoint.
    /// </summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var dup = list.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Tensor name '{dup.Key}' appears twice; safetensors names must be unique.");
        if (list.Any(t => t.Name == "__metadata__")) throw new ArgumentException("'__metadata__' is reserved in safetensors and cannot name a tensor.");

        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var (name, t) in list)
        {
            long bytes = t.numel() * t.ElementSize;
            header[name] = new { dtype = SafetensorsDType.NameOf(t.dtype), shape = t.shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
        var headerBytes = new byte[padded];
        Array.Fill(headerBytes, (byte)' ');
        json.CopyTo(headerBytes, 0);

        AtomicFile.Write(path, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            fs.Write(len);
            fs.Write(headerBytes);
            foreach (var (_, t) in list)
            {
                using var cpu = t.detach().cpu().contiguous();
                fs.Write(cpu.bytes);
            }
        });
    }

    /// <summary>Loads every tensor of <paramref name="path"/> (on the CPU), after validating the whole header.</summary>
    /// <exception cref="SafetensorsFormatException">The file is malformed or truncated.</exception>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Largest tensor, in bytes, that can be read (TorchSharp exposes a tensor's storage as a span, whose length is an int).</summary>
    public const long MaxTensorBytes = int.MaxValue;

    /// <summary>Reads one tensor of an open file whose header is <paramref name="header"/>.</summary>
    /// <exception cref="SafetensorsFormatException">The tensor is larger than <see cref="MaxTensorBytes"/> or its bytes do not match its shape.</exception>
    public static Tensor LoadTensor(FileStream fs, SafetensorsHeader header, SafetensorsEntry e, string path)
    {
        if (e.End - e.Begin > MaxTensorBytes)
            throw new SafetensorsFormatException(FormattableString.Invariant($"{path}: tensor '{e.Name}' has {e.End - e.Begin:N0} bytes; PhaseScope reads tensors of up to 2 GiB (split it, or select other tensors)."));
        fs.Position = header.DataOffset + e.Begin;
        var t = empty(e.Shape, e.Type);
        try
        {
            var span = t.bytes;
            if (span.Length != e.End - e.Begin)
                throw new SafetensorsFormatException($"{path}: tensor '{e.Name}' size mismatch while reading.");
            fs.ReadExactly(span);
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <summary>Loads every tensor and returns the header's metadata.</summary>
    public static Dictionary<string, Tensor> Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        using var fs = SafetensorsHeader.OpenRead(path);
        var header = SafetensorsHeader.Read(fs, path);
        metadata = header.Metadata;
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var e in header.Entries) result[e.Name] = LoadTensor(fs, header, e, path);
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }
}
