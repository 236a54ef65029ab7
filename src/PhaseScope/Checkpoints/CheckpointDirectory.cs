using PhaseScope.IO;
namespace PhaseScope.Checkpoints;

/// <summary>A file of a checkpoint directory that is not read, and why.</summary>
/// <param name="Name">The file's name.</param>
/// <param name="Reason">Why it is left out.</param>
public sealed record SkippedFile(string Name, string Reason);

/// <summary>
/// The checkpoints of a directory (its top level, sorted by name): regular files (or links to them) ending in
/// <c>.safetensors</c>, <c>.pt</c>, <c>.pth</c>, <c>.ckpt</c> or <c>.bin</c> (<c>.pth.tar</c> too). Left out, with a
/// reason where a file looks like a checkpoint: PhaseScope's own probe state (<c>*.monitor.safetensors</c>, written beside
/// <c>grok</c>'s checkpoints), hidden and temporary files being written (<c>.*</c>, <c>*.tmp</c>, <c>*.partial</c>,
/// <c>*.part</c>, <c>*~</c>), FIFOs, sockets and devices (<see cref="FileKinds.Of"/>), dangling links and directories.
/// </summary>
public static class CheckpointDirectory
{
    static readonly string[] Extensions = [".safetensors", ".pt", ".pth", ".ckpt", ".bin", ".pth.tar"];

    /// <summary>PhaseScope's probe-state files, which sit beside checkpoints but are not checkpoints.</summary>
    public const string MonitorStateSuffix = ".monitor.safetensors";

    /// <summary>Whether a file name is that of a checkpoint (by the rules above, before the file is looked at); else the reason.</summary>
    public static bool IsCheckpointName(string name, out string? reason)
    {
        reason = null;
        if (name.EndsWith(MonitorStateSuffix, StringComparison.OrdinalIgnoreCase)) { reason = "PhaseScope's probe state, not a checkpoint"; return false; }
        if (name.StartsWith('.')) { reason = "a hidden or partial file"; return false; }
        if (name.EndsWith('~') || new[] { ".tmp", ".partial", ".part", ".temp", ".crdownload" }.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase)))
        {
            reason = "a temporary file";
            return false;
        }
        return Extensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The checkpoint files of <paramref name="directory"/> and the files left out with a reason.</summary>
    public static IReadOnlyList<string> List(string directory, out IReadOnlyList<SkippedFile> skipped)
    {
        var files = new List<string>();
        var left = new List<SkippedFile>();
        foreach (var path in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (!IsCheckpointName(name, out var reason))
            {
                if (reason is not null) left.Add(new SkippedFile(name, reason));
                continue;
            }
            var info = new FileInfo(path);
            FileSystemInfo? target = info;
            try { if (info.LinkTarget is not null) target = info.ResolveLinkTarget(returnFinalTarget: true); }
            catch (IOException) { target = null; }   // a loop of links
            if (target is not { Exists: true } && !Directory.Exists(path))
            {
                left.Add(new SkippedFile(name, "a link to nothing"));
                continue;
            }
            if (Directory.Exists(path)) { left.Add(new SkippedFile(name, "a directory")); continue; }
            if (FileKinds.Of(path, followLinks: true) != FileKind.File) { left.Add(new SkippedFile(name, "not a regular file (a FIFO, socket or device)")); continue; }
            files.Add(path);
        }
        skipped = left;
        return files;
    }
}
