using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using static TorchSharp.torch;

namespace PhaseScope.Checkpoints;

/// <summary>
/// Reads a state dict that PyTorch's <c>torch.save</c> wrote, in either of its formats:
/// <list type="bullet">
/// <item>zip (the default since PyTorch 1.6): <c>PREFIX/data.pkl</c> is the pickled object, whose tensors point through
/// persistent ids <c>('storage', torch.FloatStorage, KEY, location, numel)</c> at the entries <c>PREFIX/data/KEY</c>
/// (raw little-endian elements);</item>
/// <item>legacy (<c>_use_new_zipfile_serialization=False</c>): five pickles in a row — the magic number
/// 0x1950a86a20f9469cfc6c, the protocol version 1001, the system info, the object, the sorted storage keys — and then,
/// per key, an int64 element count and the elements.</item>
/// </list>
/// The pickle itself is read with Razorvine.Pickle (the engine TorchSharp.PyBridge reads with); only the classes a state dict
/// needs are constructed (<see cref="TorchPickleConstructors"/>), so no code a file names is run. What the file holds:
/// <list type="bullet">
/// <item>a dict (or <c>OrderedDict</c>) whose every value is a tensor: the state dict;</item>
/// <item>a training checkpoint: a dict with one of the keys <see cref="NestedKeys"/> (in that order of preference) holding
/// such a state dict is accepted, and <see cref="CheckpointIndex.Note"/> says which key was read; its integer, float,
/// boolean and string entries (e.g. <c>epoch</c>, <c>global_step</c>) become the metadata;</item>
/// <item>anything else (a list, a whole model saved with <c>torch.save(model)</c>, a dict of non-tensors) is refused, naming
/// the first value that is not a tensor and, when the tensors sit under another key, that key.</item>
/// </list>
/// Tensors are read only when <see cref="Load"/> asks for them, one storage at a time.
/// </summary>
internal sealed class TorchPickle : IDisposable
{
    /// <summary>Keys of a training checkpoint under which a state dict is accepted.</summary>
    public static readonly string[] NestedKeys = ["state_dict", "model_state_dict", "model", "module", "net"];

    const string LegacyMagic = "119547037146038801333356";   // 0x1950a86a20f9469cfc6c
    const long LegacyProtocol = 1001;

    readonly string path;
    readonly ZipArchive? zip;
    readonly string prefix = "";
    readonly FileStream? file;
    readonly Dictionary<string, long> legacyOffsets = new(StringComparer.Ordinal);
    readonly Dictionary<string, TorchTensorRef> tensors;

    /// <summary>The file's index.</summary>
    public CheckpointIndex Index { get; }

    TorchPickle(string path, ZipArchive? zip, string prefix, FileStream? file, Dictionary<string, TorchTensorRef> tensors, CheckpointIndex index)
    {
        this.path = path;
        this.zip = zip;
        this.prefix = prefix;
        this.file = file;
        this.tensors = tensors;
        Index = index;
    }

    /// <summary>Opens and indexes <paramref name="path"/> (format <see cref="CheckpointFormat.TorchZip"/> or <see cref="CheckpointFormat.TorchLegacy"/>).</summary>
    /// <exception cref="CheckpointFormatException">The file is corrupt, truncated, or holds more than a state dict.</exception>
    public static TorchPickle Open(string path, CheckpointFormat format)
    {
        TorchPickleConstructors.EnsureRegistered();
        FileStream? fs = null;
        ZipArchive? zip = null;
        try
        {
            fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var storages = new Dictionary<string, TorchStorageRef>(StringComparer.Ordinal);
            object root;
            string prefix = "";
            var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
            if (format == CheckpointFormat.TorchZip)
            {
                zip = new ZipArchive(fs, ZipArchiveMode.Read, leaveOpen: false);
                (root, prefix) = ReadZip(path, zip, storages);
            }
            else root = ReadLegacy(path, fs, storages, offsets);
            return Indexed(path, format, root, zip, prefix, fs, offsets);
        }
        // The pickle is untrusted input parsed by a third-party reader: whatever it throws on a malformed stream (a cast,
        // a missing key, an opcode's length claiming more memory than exists) is this file's fault, said as such.
        catch (Exception e) when (e is PickleException or InvalidDataException or EndOfStreamException or InvalidCastException or IOException or OverflowException
                                    or FormatException or ArgumentException or KeyNotFoundException or IndexOutOfRangeException or NullReferenceException
                                    or UnauthorizedAccessException or OutOfMemoryException)
        {
            zip?.Dispose();
            fs?.Dispose();
            string why = e switch
            {
                EndOfStreamException or InvalidDataException => "it is truncated or corrupt",
                UnauthorizedAccessException => "it cannot be read",
                _ => "its pickle holds something other than a state dict of tensors",
            };
            throw Bad(path, $"{why} ({EventLine(e.Message)})");
        }
        catch
        {
            zip?.Dispose();
            fs?.Dispose();
            throw;
        }
    }

    /// <summary>The zip format: the one <c>PREFIX/data.pkl</c> unpickled (its storages collected into
    /// <paramref name="storages"/>), after a little-endian <c>byteorder</c> check, and every storage's entry of the right size.</summary>
    static (object Root, string Prefix) ReadZip(string path, ZipArchive zip, Dictionary<string, TorchStorageRef> storages)
    {
        var pkl = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList();
        if (pkl.Count != 1)
            throw Bad(path, pkl.Count == 0 ? "the zip archive has no PREFIX/data.pkl; it is not a torch.save file" : "the zip archive has more than one data.pkl");
        var prefix = pkl[0].FullName[..^"data.pkl".Length];
        if (zip.GetEntry(prefix + "byteorder") is { } order)
        {
            using var r = new StreamReader(order.Open());
            var text = r.ReadToEnd().Trim();
            if (text != "little") throw Bad(path, $"its tensors are stored {text}-endian; PhaseScope reads little-endian files (load and save it again on a little-endian machine)");
        }
        object root;
        using (var s = pkl[0].Open())
        using (var u = new StateDictUnpickler(storages, legacy: false))
            root = u.load(s);
        foreach (var st in storages.Values)
        {
            var entry = zip.GetEntry(prefix + "data/" + st.Key) ?? throw Bad(path, $"storage {st.Key} is missing from the archive");
            if (entry.Length != st.Elements * Size(st.DType))
                throw Bad(path, $"storage {st.Key} holds {entry.Length} bytes but {st.Elements} {st.DType} elements need {st.Elements * Size(st.DType)}");
        }
        return (root, prefix);
    }

    /// <summary>The legacy format: magic number, protocol and little-endian system info, then the object (its storages
    /// collected into <paramref name="storages"/>), then the storage keys and each storage's data offset into
    /// <paramref name="offsets"/>.</summary>
    static object ReadLegacy(string path, FileStream fs, Dictionary<string, TorchStorageRef> storages, Dictionary<string, long> offsets)
    {
        using (var u = new Unpickler())
            if (Convert.ToString(u.load(fs), CultureInfo.InvariantCulture) != LegacyMagic) throw Bad(path, "it starts with a pickle but not with torch.save's magic number; it is a pickle of something else");
        using (var u = new Unpickler())
            if (u.load(fs) is not (int or long)) throw Bad(path, "its protocol version is not a number");
        using (var u = new Unpickler())
            if (u.load(fs) is Hashtable info && info["little_endian"] is false)
                throw Bad(path, "it was written on a big-endian machine; PhaseScope reads little-endian files");
        object root;
        using (var u = new StateDictUnpickler(storages, legacy: true))
            root = u.load(fs);
        object keysObject;
        using (var u = new Unpickler())
            keysObject = u.load(fs);
        if (keysObject is not ArrayList keys || keys.Cast<object>().Any(k => k is not string))
            throw Bad(path, "the list of storage keys after the object is missing or malformed");
        LegacyStorageOffsets(path, fs, keys, storages, offsets);
        return root;
    }

    /// <summary>After the keys, per key an int64 element count that must match its tensor's storage, then the elements:
    /// each storage's data offset into <paramref name="offsets"/>; every used storage stored, nothing after the last.</summary>
    static void LegacyStorageOffsets(string path, FileStream fs, ArrayList keys, Dictionary<string, TorchStorageRef> storages, Dictionary<string, long> offsets)
    {
        long pos = fs.Position;
        Span<byte> count = stackalloc byte[8];
        foreach (string key in keys)
        {
            if (!storages.TryGetValue(key, out var st)) throw Bad(path, $"storage {key} is listed but no tensor uses it");
            if (pos + 8 > fs.Length) throw Bad(path, $"it ends before storage {key}; the file is truncated");
            fs.Position = pos;
            fs.ReadExactly(count);
            long n = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (n != st.Elements) throw Bad(path, $"storage {key} says {n} elements where its tensor says {st.Elements}");
            offsets[key] = pos + 8;
            pos += 8 + n * Size(st.DType);
            if (pos > fs.Length) throw Bad(path, $"storage {key} runs past the end of the {fs.Length}-byte file; the file is truncated");
        }
        if (storages.Keys.FirstOrDefault(k => !offsets.ContainsKey(k)) is { } missing) throw Bad(path, $"storage {missing} is used but not stored; the file is truncated or corrupt");
        if (pos != fs.Length) throw Bad(path, $"{fs.Length - pos} bytes follow the last storage; the file is corrupt");
    }

    /// <summary>The reader over an unpickled <paramref name="root"/>: its state dict (<see cref="StateDict"/>), every tensor's
    /// view checked against its storage, and the index with its entries in name order.</summary>
    static TorchPickle Indexed(string path, CheckpointFormat format, object root, ZipArchive? zip, string prefix, FileStream fs, Dictionary<string, long> offsets)
    {
        var (dict, note, metadata) = StateDict(path, root);
        var entries = dict.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new CheckpointEntry(kv.Key, kv.Value.Storage.DType, TypeOf(kv.Value.Storage.DType), kv.Value.Shape)).ToList();
        foreach (var (name, t) in dict) CheckBounds(path, name, t);
        var index = new CheckpointIndex { Path = path, Format = format, Entries = entries, Metadata = metadata, Note = note };
        var result = new TorchPickle(path, zip, prefix, zip is null ? fs : null, dict, index);
        foreach (var (k, v) in offsets) result.legacyOffsets[k] = v;
        return result;
    }

    /// <summary>Reads tensor <paramref name="name"/> (a contiguous CPU copy of its view of the storage).</summary>
    public Tensor Load(string name)
    {
        var t = tensors[name];
        var st = t.Storage;
        long bytes = st.Elements * Size(st.DType);
        if (bytes > Safetensors.MaxTensorBytes)
            throw Bad(path, $"storage {st.Key} of tensor '{name}' has {bytes:N0} bytes; PhaseScope reads tensors of up to 2 GiB");
        using var storage = empty([st.Elements], TypeOf(st.DType));
        try
        {
            var span = storage.bytes;
            if (zip is not null)
            {
                using var s = zip.GetEntry(prefix + "data/" + st.Key)!.Open();
                s.ReadExactly(span);
            }
            else
            {
                file!.Position = legacyOffsets[st.Key];
                file.ReadExactly(span);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException)
        {
            throw Bad(path, $"tensor '{name}' cannot be read; the file is truncated or corrupt ({EventLine(e.Message)})");
        }
        if (t.Shape.Length == 0) return storage.narrow(0, t.Offset, 1).reshape([]).clone();
        using var view = storage.as_strided(t.Shape, t.Stride, t.Offset);
        return view.contiguous().clone();
    }

    /// <summary>The state dict in <paramref name="root"/>, the note on where it was found and the training checkpoint's scalar entries.</summary>
    static (Dictionary<string, TorchTensorRef> Dict, string? Note, IReadOnlyDictionary<string, string> Metadata) StateDict(string path, object? root)
    {
        if (root is not Hashtable top)
            throw Bad(path, $"it holds {Describe(root)}, not a dict of tensors; save a state dict: torch.save(model.state_dict(), PATH)");
        if (AsTensors(top) is { } plain)
        {
            if (plain.Count == 0) throw Bad(path, "it holds an empty dict: no tensors");
            return (plain, null, new Dictionary<string, string>());
        }
        foreach (var key in NestedKeys)
            if (top[key] is Hashtable inner && AsTensors(inner) is { Count: > 0 } nested)
            {
                var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (DictionaryEntry kv in top)
                    if (kv.Key is string k && Scalar(kv.Value) is { } v) metadata[k] = v;
                var others = top.Keys.OfType<string>().Where(k => k != key).Order(StringComparer.Ordinal).ToList();
                return (nested, $"a training checkpoint: the state dict under key '{key}' was read{(others.Count > 0 ? $" (ignored: {string.Join(", ", others)})" : "")}", metadata);
            }
        var firstOther = top.Cast<DictionaryEntry>().OrderBy(kv => Convert.ToString(kv.Key, CultureInfo.InvariantCulture), StringComparer.Ordinal)
            .First(kv => kv.Value is not TorchTensorRef || kv.Key is not string);
        var tensorDicts = top.Cast<DictionaryEntry>().Where(kv => kv.Key is string && kv.Value is Hashtable h && AsTensors(h) is { Count: > 0 })
            .Select(kv => (string)kv.Key).Order(StringComparer.Ordinal).ToList();
        string hint = tensorDicts.Count > 0
            ? $"; its tensors are under {string.Join(", ", tensorDicts.Select(k => $"'{k}'"))}: save that dict alone (torch.save(ckpt['{tensorDicts[0]}'], PATH)), or name it one of {string.Join(", ", NestedKeys)}"
            : "; save a state dict: torch.save(model.state_dict(), PATH)";
        throw Bad(path, $"it holds more than tensors: '{Convert.ToString(firstOther.Key, CultureInfo.InvariantCulture)}' is {Describe(firstOther.Value)}{hint}");
    }

    static Dictionary<string, TorchTensorRef>? AsTensors(Hashtable h)
    {
        var d = new Dictionary<string, TorchTensorRef>(StringComparer.Ordinal);
        foreach (DictionaryEntry kv in h)
        {
            if (kv.Key is not string k || kv.Value is not TorchTensorRef t) return null;
            d[k] = t;
        }
        return d;
    }

    static string? Scalar(object? v) => v switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        int or long or BigInteger => Convert.ToString(v, CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => null,
    };

    static string Describe(object? v) => v switch
    {
        null => "None",
        TorchTensorRef => "a tensor",
        Hashtable => "a dict",
        ArrayList => "a list",
        object[] => "a tuple",
        string => "a string",
        bool => "a boolean",
        int or long or BigInteger => $"an integer ({Convert.ToString(v, CultureInfo.InvariantCulture)})",
        double => "a float",
        ClassDict c => $"a Python object of class {c.ClassName}",
        _ => "a Python object PhaseScope does not read",
    };

    static void CheckBounds(string path, string name, TorchTensorRef t)
    {
        if (t.Shape.Length != t.Stride.Length) throw Bad(path, $"tensor '{name}' has {t.Shape.Length} sizes but {t.Stride.Length} strides");
        if (t.Shape.Any(d => d < 0) || t.Stride.Any(s => s < 0) || t.Offset < 0) throw Bad(path, $"tensor '{name}' has a negative size, stride or offset");
        if (t.Shape.Any(d => d == 0)) return;
        long last = t.Offset;
        for (int i = 0; i < t.Shape.Length; i++) last = checked(last + (t.Shape[i] - 1) * t.Stride[i]);
        if (last >= t.Storage.Elements) throw Bad(path, $"tensor '{name}' reaches element {last} of a {t.Storage.Elements}-element storage");
    }

    static string EventLine(string message) => message.Split('\n')[0].Trim().TrimEnd('.');

    static int Size(string dtype) => SafetensorsDType.TryParse(dtype, out _, out int size) ? size : 0;

    static ScalarType TypeOf(string dtype) => SafetensorsDType.TryParse(dtype, out var type, out _) ? type : throw new InvalidOperationException(dtype);

    /// <summary>The safetensors dtype name of a <c>torch.*Storage</c> class.</summary>
    static string DTypeOf(string module, string name) => (module, name) switch
    {
        ("torch", "DoubleStorage") => "F64",
        ("torch", "FloatStorage") => "F32",
        ("torch", "HalfStorage") => "F16",
        ("torch", "BFloat16Storage") => "BF16",
        ("torch", "LongStorage") => "I64",
        ("torch", "IntStorage") => "I32",
        ("torch", "ShortStorage") => "I16",
        ("torch", "CharStorage") => "I8",
        ("torch", "ByteStorage") => "U8",
        ("torch", "BoolStorage") => "BOOL",
        _ => throw new PickleException($"a tensor has storage type {module}.{name}, which PhaseScope does not read (supported: {SafetensorsDType.Supported})"),
    };

    static CheckpointFormatException Bad(string path, string problem) => new($"{path}: not a PyTorch state dict PhaseScope can read: {problem}.");

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        zip?.Dispose();
        file?.Dispose();
    }

    /// <summary>The unpickler of the object: tensors' persistent ids become <see cref="TorchStorageRef"/>s (no data is read).</summary>
    sealed class StateDictUnpickler(Dictionary<string, TorchStorageRef> storages, bool legacy) : Unpickler
    {
        protected override object persistentLoad(object pid)
        {
            if (pid is not object[] t || t.Length < 5 || t[0] is not "storage" || t[1] is not ClassDictConstructor type)
                throw new PickleException("a persistent id that is not a tensor storage");
            if (legacy && t.Length > 5 && t[5] is not null)
                throw new PickleException("a storage view (written by PyTorch before 1.0)");
            var key = Convert.ToString(t[2], CultureInfo.InvariantCulture)!;
            var dtype = DTypeOf(type.module, type.name);
            long elements = Convert.ToInt64(t[4], CultureInfo.InvariantCulture);
            if (elements < 0) throw new PickleException($"storage {key} has a negative length");
            if (storages.TryGetValue(key, out var known))
                return known.DType == dtype && known.Elements == elements ? known : throw new PickleException($"storage {key} is described twice, differently");
            return storages[key] = new TorchStorageRef(key, dtype, elements);
        }
    }
}
