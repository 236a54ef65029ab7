using System.Runtime.InteropServices;

namespace PhaseScope.IO;

/// <summary>What a path names, as the file system's <c>lstat</c>/<c>stat</c> reports it.</summary>
public enum FileKind
{
    /// <summary>Nothing at the path.</summary>
    Missing,
    /// <summary>A regular file.</summary>
    File,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A symbolic link (only when links are not followed).</summary>
    SymbolicLink,
    /// <summary>A named pipe: opening it for reading waits for a writer, reading it never ends.</summary>
    Fifo,
    /// <summary>A character device such as <c>/dev/null</c>, <c>/dev/zero</c> or a terminal.</summary>
    CharacterDevice,
    /// <summary>A block device (a disk).</summary>
    BlockDevice,
    /// <summary>A Unix-domain socket.</summary>
    Socket,
}

/// <summary>
/// Tells what a path is <em>without opening it</em>: opening a FIFO blocks until a writer comes, and reading
/// <c>/dev/zero</c> never ends, so a file's type must be known before anything reads or replaces it. On Unix this asks
/// the .NET runtime's own native shim (<c>SystemNative_LStat</c>/<c>SystemNative_Stat</c> in libSystem.Native, whose
/// status record starts with its flags and the <c>st_mode</c> word, the file type in the <c>S_IFMT</c> bits); on Windows,
/// where those kinds do not arise from a path, the file attributes suffice.
/// </summary>
public static class FileKinds
{
    const int TypeMask = 0xF000, Fifo = 0x1000, CharacterDevice = 0x2000, Directory = 0x4000, BlockDevice = 0x6000,
        Regular = 0x8000, SymbolicLink = 0xA000, Socket = 0xC000;

    /// <summary>The runtime's FileStatus record: flags, then the mode word; the rest (times, sizes, ids) is room to spare.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 512)]
    struct Status
    {
        public int Flags;
        public int Mode;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
    static extern int LStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out Status status);

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out Status status);

    /// <summary>What <paramref name="path"/> names; with <paramref name="followLinks"/> a symbolic link is replaced by
    /// what it points to (a dangling link is <see cref="FileKind.Missing"/>), without it a link is <see cref="FileKind.SymbolicLink"/>.</summary>
    public static FileKind Of(string path, bool followLinks = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows()) return OfAttributes(path, followLinks);
        var full = Path.GetFullPath(path);
        if (full.Length > 1) full = Path.TrimEndingDirectorySeparator(full);
        int rc = followLinks ? Stat(full, out var status) : LStat(full, out status);
        if (rc != 0) return FileKind.Missing;   // no such entry, or a folder on the way that may not be searched: nothing to open either
        return (status.Mode & TypeMask) switch
        {
            Regular => FileKind.File,
            Directory => FileKind.Directory,
            SymbolicLink => FileKind.SymbolicLink,
            Fifo => FileKind.Fifo,
            CharacterDevice => FileKind.CharacterDevice,
            BlockDevice => FileKind.BlockDevice,
            Socket => FileKind.Socket,
            _ => FileKind.File,
        };
    }

    static FileKind OfAttributes(string path, bool followLinks)
    {
        var info = new FileInfo(path);
        if (!info.Exists && !System.IO.Directory.Exists(path) && info.LinkTarget is null) return FileKind.Missing;
        if (!followLinks && info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (followLinks && info.LinkTarget is not null && info.ResolveLinkTarget(true) is { Exists: false }) return FileKind.Missing;
        return System.IO.Directory.Exists(path) ? FileKind.Directory : FileKind.File;
    }

    /// <summary>The kind in words for a message ("a FIFO (named pipe)", "a character device").</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.File => "a file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => kind.ToString(),
    };
}
