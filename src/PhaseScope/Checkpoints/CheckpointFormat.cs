using PhaseScope.IO;
using System.Buffers.Binary;

namespace PhaseScope.Checkpoints;

/// <summary>The checkpoint formats PhaseScope reads, recognised from a file's first bytes (never from its extension).</summary>
public enum CheckpointFormat
{
    /// <summary>safetensors: an 8-byte little-endian header length N, then N bytes of JSON starting with <c>{</c>.</summary>
    Safetensors,
    /// <summary><c>torch.save</c>'s zip format (PyTorch ≥ 1.6): a zip archive (<c>PK\x03\x04</c>) holding <c>data.pkl</c> and <c>data/KEY</c> storages.</summary>
    TorchZip,
    /// <summary><c>torch.save(..., _use_new_zipfile_serialization=False)</c>: consecutive pickles (protocol opcode <c>0x80</c>) followed by the raw storages.</summary>
    TorchLegacy,
}

/// <summary>Recognises a checkpoint's format from its content.</summary>
public static class CheckpointFormats
{
    /// <summary>The lower-case name of a format, as messages and JSON show it.</summary>
    public static string Name(this CheckpointFormat format) => format switch
    {
        CheckpointFormat.Safetensors => "safetensors",
        CheckpointFormat.TorchZip => "pytorch-zip",
        _ => "pytorch-legacy",
    };

    /// <summary>
    /// The format of <paramref name="path"/> from its first 16 bytes: <c>PK\x03\x04</c> is torch.save's zip, a pickle
    /// protocol opcode (<c>0x80</c>, protocol 2–5) is torch.save's legacy format, and a header length below the file's size
    /// followed by <c>{</c> is safetensors.
    /// </summary>
    /// <exception cref="CheckpointFormatException">None of them: the message says what the bytes look like.</exception>
    public static CheckpointFormat Detect(string path)
    {
        if (Directory.Exists(path)) throw new CheckpointFormatException($"{path} is a directory; pass a checkpoint file.");
        if (!File.Exists(path)) throw new CheckpointFormatException($"{path} does not exist; pass a checkpoint file.");
        if (FileKinds.Of(path, followLinks: true) != FileKind.File) throw new CheckpointFormatException($"{path} is not a regular file (a FIFO, socket or device); pass a checkpoint file.");
        Span<byte> head = stackalloc byte[16];
        long length;
        int read;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            length = fs.Length;
            read = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException($"{path}: cannot be opened ({e.Message}).");
        }
        if (read == 0) throw new CheckpointFormatException($"{path}: the file is empty; it is not a checkpoint (or it is still being written).");
        if (read >= 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04) return CheckpointFormat.TorchZip;
        if (read >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5) return CheckpointFormat.TorchLegacy;
        if (read >= 9)
        {
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
            if (n >= 2 && n <= (ulong)Math.Max(0, length - 8) && head[8] == (byte)'{') return CheckpointFormat.Safetensors;
        }
        string what = read >= 8 && BinaryPrimitives.ReadUInt64LittleEndian(head) is var h && h > (ulong)length
            ? $"read as safetensors its header length would be {h:N0} bytes, beyond the {length:N0}-byte file"
            : $"it starts with bytes {Convert.ToHexString(head[..Math.Min(read, 8)])}";
        throw new CheckpointFormatException(
            $"{path}: not a checkpoint PhaseScope reads ({what}). PhaseScope reads safetensors and PyTorch's torch.save files (zip or legacy format); the file may be truncated or of another kind.");
    }
}
