using System.Text;
using PhaseScope.IO;

namespace PhaseScope.Cli;

/// <summary>
/// The one rule for every path a command writes (report, compare, verdict, edge-tests --markdown, export, sweep, grok's
/// and forget's run directory and report, ablate), checked before anything is read or written, deciding each target's
/// type by <see cref="FileKinds.Of"/> without opening it. A file target is replaced only when it is absent or a regular
/// file this command may own. Refused, with exit 2 and the path and reason named: a device, FIFO or socket (the atomic
/// rename of <see cref="AtomicFile"/> replaces whatever the name points to: <c>report --out /dev/null</c> turned
/// <c>/dev/null</c> into a regular file), a directory where a file is expected, a symbolic link (writing through it
/// replaces a file elsewhere), a file of a run (<see cref="RunFiles"/>, its <see cref="RunFolders"/>), and anything inside
/// another run's directory — a directory holding <c>run.db</c> belongs to its run; only the one run a command reads
/// (<see cref="OwnRun"/>) takes new files from it, e.g. <c>report RUN</c>'s <c>RUN/report.html</c>.
/// </summary>
public static class OutputGuard
{
    /// <summary>Files of a run or sweep directory that no output may replace.</summary>
    public static readonly IReadOnlyList<string> RunFiles = ["run.db", "run.db-wal", "run.db-shm", "run.db-journal", "run.lock", "settings.json", "sweep.json"];

    /// <summary>Folders of a run that hold its own files only.</summary>
    public static readonly IReadOnlyList<string> RunFolders = ["checkpoints", "tensorboard"];

    /// <summary>
    /// Throws <see cref="UsageException"/> unless <paramref name="path"/> may be written as a file: absent (its folder can be
    /// created and takes new files) or a regular file that <paramref name="owned"/> accepts (default: any), not a link,
    /// device, FIFO, socket or directory, not a file of a run and not inside a run outside <paramref name="ownRuns"/>.
    /// </summary>
    /// <param name="path">The target as the user gave it.</param>
    /// <param name="option">The option that named it, for the message (e.g. <c>--out</c>).</param>
    /// <param name="ownRuns">Run directories this command reads or writes; new files may go into them.</param>
    /// <param name="owned">Whether an existing regular file is an earlier output of this command (e.g. an HTML page), and what it must be, for the message.</param>
    /// <param name="example">A file name suggested in messages.</param>
    public static void File(string path, string option, IEnumerable<string>? ownRuns = null, (Func<string, bool> Test, string What)? owned = null, string example = "report.html")
    {
        CheckText(path, option, $"a file name such as {example}");
        var full = Full(path);
        var kind = FileKinds.Of(full);
        switch (kind)
        {
            case FileKind.Directory:
                throw new UsageException($"{option} {path} is a directory; give a file name such as {Path.Combine(path, example)}.");
            case FileKind.SymbolicLink:
                throw new UsageException($"{option} {path} is a symbolic link (to {LinkTarget(full)}); PhaseScope does not write through links, which would replace a file elsewhere. Give the real path or another name.");
            case FileKind.Fifo or FileKind.CharacterDevice or FileKind.BlockDevice or FileKind.Socket:
                throw new UsageException($"{option} {path} is {FileKinds.Describe(kind)}; PhaseScope writes only regular files and would replace it. Give a file name such as {example}.");
        }
        var dir = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        CheckRuns(path, option, dir, ownRuns, example);
        if (IsRunFile(name) && (IsRunDirectory(dir) || System.IO.File.Exists(Path.Combine(dir, "sweep.json"))))
            throw new UsageException($"{option} {path} is a file of the run in {dir}; writing there would destroy it. Give another file name, e.g. {Path.Combine(dir, example)}.");
        if (kind == FileKind.File && owned is { } o && !o.Test(full))
            throw new UsageException($"{option} {path} exists and is not {o.What}; PhaseScope replaces only its own earlier output. Give another file name, or remove the file first.");
        CheckFolder(path, option, dir);
    }

    /// <summary>
    /// Throws <see cref="UsageException"/> unless <paramref name="path"/> may receive new files or run directories: absent
    /// (creatable) or a directory (a link to one is fine), writable, not a run's own folder and not inside a run outside
    /// <paramref name="ownRuns"/>; then checks each of <paramref name="files"/> inside it by <see cref="File"/>.
    /// </summary>
    public static void Directory(string path, string option, IEnumerable<string>? ownRuns = null, IEnumerable<string>? files = null)
    {
        CheckText(path, option, $"a directory, e.g. {option} runs");
        var full = Full(path);
        var kind = FileKinds.Of(full, followLinks: true);
        if (kind is not (FileKind.Missing or FileKind.Directory))
            throw new UsageException($"{option} {path} is {FileKinds.Describe(kind)}; give a directory.");
        if (kind == FileKind.Missing && FileKinds.Of(full) == FileKind.SymbolicLink)
            throw new UsageException($"{option} {path} is a symbolic link to {LinkTarget(full)}, which does not exist; give a directory.");
        var own = ownRuns?.ToList() ?? [];
        CheckRuns(path, option, full, own, "report.html", directoryTarget: true);
        CheckFolder(path, option, full);
        foreach (var f in files ?? []) File(Path.Combine(path, f), option, own);
    }

    /// <summary>Whether an existing regular file starts (after whitespace or a byte-order mark) with <c>&lt;!DOCTYPE html</c>
    /// or <c>&lt;html</c>; an empty file counts. Call only on a path <see cref="FileKinds.Of"/> called a regular file.</summary>
    public static bool LooksLikeHtml(string path)
    {
        var buffer = new byte[64];
        int n;
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            n = f.Read(buffer, 0, buffer.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out {path} exists and cannot be read ({e.Message}); give another file name.");
        }
        var head = Encoding.UTF8.GetString(buffer, 0, n).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return n == 0 || head.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) || head.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>An earlier HTML page, for <see cref="File"/>'s <c>owned</c>.</summary>
    public static (Func<string, bool>, string) HtmlPage => (LooksLikeHtml, "an HTML page");

    /// <summary>The run a command owns among those it reads: the one run when it reads one, none when it reads several
    /// (a comparison of runs A and B is neither A's nor B's, and goes outside both).</summary>
    public static IReadOnlyList<string> OwnRun(IReadOnlyCollection<string> runDirectories) => runDirectories.Count == 1 ? [.. runDirectories] : [];

    /// <summary>Whether <paramref name="directory"/> holds a run (a <c>run.db</c> entry of any kind).</summary>
    public static bool IsRunDirectory(string directory) => FileKinds.Of(Path.Combine(directory, "run.db")) != FileKind.Missing;

    static bool IsRunFile(string name) =>
        RunFiles.Contains(name, StringComparer.OrdinalIgnoreCase) || name.StartsWith("run.db", StringComparison.OrdinalIgnoreCase);

    static void CheckText(string path, string option, string example)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} is empty; give {example}.");
        if (path.Any(char.IsControl)) throw new UsageException($"{option} contains a control character (newline, tab, escape…); give {example} without them.");
    }

    static string Full(string path)
    {
        var full = Path.GetFullPath(path);
        return full.Length > 1 ? Path.TrimEndingDirectorySeparator(full) : full;
    }

    static string LinkTarget(string full) => new FileInfo(full).LinkTarget ?? "?";

    /// <summary>The run directories at or above <paramref name="folder"/>: each must be one of <paramref name="ownRuns"/>,
    /// and a write into one of them must not land in its <see cref="RunFolders"/>.</summary>
    static void CheckRuns(string path, string option, string folder, IEnumerable<string>? ownRuns, string example, bool directoryTarget = false)
    {
        var own = (ownRuns ?? []).Select(Full).ToHashSet(StringComparer.Ordinal);
        string? below = null;   // the first component under the run directory being examined
        for (var d = new DirectoryInfo(folder); d is not null; below = d.Name, d = d.Parent)
        {
            if (!IsRunDirectory(d.FullName)) continue;
            var run = Full(d.FullName);
            if (!own.Contains(run))
                throw new UsageException(directoryTarget && run == Full(folder)
                    ? $"{option} {path} is the directory of another run (it holds run.db); give a directory outside it."
                    : $"{option} {path} lies inside the directory of another run, {run} (it holds run.db); write outside it, e.g. {Path.Combine(Path.GetDirectoryName(run) ?? run, example)}.");
            if (below is not null && RunFolders.Contains(below, StringComparer.Ordinal))
                throw new UsageException($"{option} {path} lies in the {below} folder of the run in {run}; give a path outside it, e.g. {Path.Combine(run, example)}.");
        }
    }

    /// <summary>The folder exists (or its nearest existing ancestor is a directory) and takes new files; creates nothing that outlives the check.</summary>
    static void CheckFolder(string path, string option, string folder)
    {
        var probeDir = folder;
        while (FileKinds.Of(probeDir, followLinks: true) is var kind && kind != FileKind.Directory)
        {
            if (kind != FileKind.Missing) throw new UsageException($"{option} {path} cannot be created: {probeDir} is {FileKinds.Describe(kind)}.");
            var parent = Path.GetDirectoryName(probeDir);
            if (parent is null) throw new UsageException($"{option} {path}: no existing ancestor directory.");
            probeDir = parent;
        }
        var probe = Path.Combine(probeDir, $".phasescope-write-test-{Guid.NewGuid():N}");
        try
        {
            using (System.IO.File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {path} cannot be written ({probeDir} refuses new files: {e.Message}). Choose a writable directory.");
        }
    }
}
