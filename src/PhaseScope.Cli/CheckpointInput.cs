using PhaseScope.Checkpoints;

namespace PhaseScope.Cli;

/// <summary>
/// How the commands open the checkpoints a user names: <see cref="CheckpointFile"/> (safetensors or PyTorch, by content),
/// with a file that cannot be read turned into bad input (exit 2, the reader's one-line reason).
/// </summary>
public static class CheckpointInput
{
    /// <summary>Opens <paramref name="path"/>, given as <paramref name="what"/> (e.g. <c>--params</c>).</summary>
    public static CheckpointFile Open(string path, string what)
    {
        if (Directory.Exists(path)) throw new UsageException($"{what} {path} is a directory; pass a checkpoint file (.safetensors, .pt, .pth).");
        if (!File.Exists(path)) throw new UsageException($"{what} {path} does not exist; pass a checkpoint file (.safetensors, .pt, .pth).");
        try { return CheckpointFile.Open(path); }
        catch (CheckpointFormatException e) { throw new UsageException(e.Message); }
    }

    /// <summary>The index of <paramref name="path"/> (see <see cref="Open"/>).</summary>
    public static CheckpointIndex Index(string path, string what)
    {
        using var f = Open(path, what);
        return f.Index;
    }

    /// <summary>Runs <paramref name="action"/>, turning a checkpoint that fails while its tensors are read into bad input.</summary>
    public static T Guard<T>(Func<T> action)
    {
        try { return action(); }
        catch (CheckpointFormatException e) { throw new UsageException(e.Message); }
    }

    /// <summary>
    /// The entries a parameter family reads: the floating-point ones, less normalisation buffers (<see cref="BufferNames"/>)
    /// unless <paramref name="pattern"/> is a regular expression of the user's (not null or <c>all</c>/<c>attention</c>);
    /// what was left out is said in <paramref name="notes"/>.
    /// </summary>
    public static IReadOnlyList<CheckpointEntry> ParameterEntries(CheckpointIndex index, string? pattern, List<string> notes)
    {
        var (floating, skipped) = CheckpointFile.FloatingPoint(index);
        if (skipped is not null) notes.Add($"{index.Path}: {skipped}");
        var parameters = BufferNames.Parameters(floating, pattern, out var buffers);
        if (buffers.Count > 0)
            notes.Add($"{index.Path}: {buffers.Count} normalisation buffer{(buffers.Count == 1 ? "" : "s")} left out ({string.Join(", ", buffers.Take(4).Select(e => e.Name))}{(buffers.Count > 4 ? ", …" : "")}): running statistics are not parameters; name them in --tensors to include them");
        return parameters;
    }
}
