using static TorchSharp.torch;

namespace PhaseScope.Checkpoints;

/// <summary>
/// The one way PhaseScope reads a checkpoint, whoever wrote it: safetensors (<see cref="Safetensors"/>) and PyTorch's
/// <c>torch.save</c> state dicts, zip and legacy formats (<see cref="TorchPickle"/>), told apart by content
/// (<see cref="CheckpointFormats.Detect"/>), never by extension. Open a file, look at its <see cref="CheckpointIndex"/>
/// (names, dtypes, shapes: no tensor data is read), then load the tensors needed, one at a time if memory matters.
/// Every failure is a <see cref="CheckpointFormatException"/> naming the file and the problem.
/// </summary>
public sealed class CheckpointFile : IDisposable
{
    readonly FileStream? safetensors;
    readonly SafetensorsHeader? header;
    readonly TorchPickle? pickle;

    /// <summary>What the file holds.</summary>
    public CheckpointIndex Index { get; }

    CheckpointFile(CheckpointIndex index, FileStream? safetensors, SafetensorsHeader? header, TorchPickle? pickle)
    {
        Index = index;
        this.safetensors = safetensors;
        this.header = header;
        this.pickle = pickle;
    }

    /// <summary>Opens <paramref name="path"/> and reads its index (a PyTorch file's pickle, a safetensors header).</summary>
    /// <exception cref="CheckpointFormatException">Not a checkpoint PhaseScope reads, corrupt, truncated, or more than a state dict.</exception>
    public static CheckpointFile Open(string path)
    {
        var format = CheckpointFormats.Detect(path);
        if (format != CheckpointFormat.Safetensors)
        {
            var p = TorchPickle.Open(path, format);
            return new CheckpointFile(p.Index, null, null, p);
        }
        FileStream? fs = null;
        try
        {
            fs = SafetensorsHeader.OpenRead(path);
            var h = SafetensorsHeader.Read(fs, path);
            var index = new CheckpointIndex
            {
                Path = path, Format = format, Metadata = h.Metadata,
                Entries = h.Entries.Select(e => new CheckpointEntry(e.Name, e.DType, e.Type, e.Shape)).ToList(),
            };
            return new CheckpointFile(index, fs, h, null);
        }
        catch (SafetensorsFormatException e)
        {
            fs?.Dispose();
            throw new CheckpointFormatException(e.Message);
        }
    }

    /// <summary>The index of <paramref name="path"/> alone.</summary>
    public static CheckpointIndex ReadIndex(string path)
    {
        using var f = Open(path);
        return f.Index;
    }

    /// <summary>Loads the tensors named <paramref name="names"/> of <paramref name="path"/> (every tensor when null), on the CPU.</summary>
    public static Dictionary<string, Tensor> Load(string path, IEnumerable<string>? names = null)
    {
        using var f = Open(path);
        return f.LoadAll(names);
    }

    /// <summary>Loads the tensors named <paramref name="names"/> (every tensor when null); on failure none is left allocated.</summary>
    public Dictionary<string, Tensor> LoadAll(IEnumerable<string>? names = null)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var name in names ?? Index.Entries.Select(e => e.Name)) result[name] = Load(name);
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Loads one tensor (a CPU tensor the caller disposes).</summary>
    /// <exception cref="ArgumentException">The file has no tensor of that name.</exception>
    public Tensor Load(string name)
    {
        if (Index.Find(name) is null) throw new ArgumentException($"{Index.Path} has no tensor '{name}'.", nameof(name));
        if (pickle is not null) return pickle.Load(name);
        try
        {
            return Safetensors.LoadTensor(safetensors!, header!, header!.Entries.First(e => e.Name == name), Index.Path);
        }
        catch (SafetensorsFormatException e)
        {
            throw new CheckpointFormatException(e.Message);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            throw new CheckpointFormatException($"{Index.Path}: tensor '{name}' cannot be read ({e.Message.TrimEnd('.')}); the file changed or is truncated.");
        }
    }

    /// <summary>
    /// The floating-point entries of <paramref name="index"/> (parameters, gradients, running statistics) and a note naming the
    /// integer or boolean ones left out (e.g. BatchNorm's <c>num_batches_tracked</c>, I64), or null when none was: the families
    /// measure real-valued tensors only.
    /// </summary>
    public static (IReadOnlyList<CheckpointEntry> Floating, string? SkippedNote) FloatingPoint(CheckpointIndex index)
    {
        var floating = index.Entries.Where(e => e.IsFloatingPoint).ToList();
        var skipped = index.Entries.Where(e => !e.IsFloatingPoint).ToList();
        string? note = skipped.Count == 0 ? null
            : $"{skipped.Count} non-floating-point tensor{(skipped.Count == 1 ? "" : "s")} skipped ({string.Join(", ", skipped.Take(5).Select(e => $"{e.Name} {e.DType}"))}{(skipped.Count > 5 ? ", …" : "")}): the families measure floating-point tensors only";
        return (floating, note);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        safetensors?.Dispose();
        pickle?.Dispose();
    }
}
