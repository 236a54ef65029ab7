using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PhaseScope.Checkpoints;

/// <summary>
/// Whether a path is a regular file, asked without blocking: opening a FIFO for reading waits for a writer, so on Linux the
/// path is opened with <c>O_NONBLOCK</c> (which changes nothing for a regular file) and the opened handle is asked whether
/// it can seek; a FIFO, socket or terminal cannot. Symbolic links are followed (a link to a checkpoint is a checkpoint).
/// </summary>
public static class RegularFile
{
    const int ReadOnlyNonBlocking = 0x800;   // O_RDONLY | O_NONBLOCK on Linux (x86-64 and arm64)

    [DllImport("libc.so.6", SetLastError = true, EntryPoint = "open")]
    static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    /// <summary>True when <paramref name="path"/> exists and is (or links to) a regular file.</summary>
    public static bool Is(string path)
    {
        if (!File.Exists(path)) return false;
        if (!OperatingSystem.IsLinux()) return true;
        int fd;
        try { fd = Open(path, ReadOnlyNonBlocking); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return true; }
        if (fd < 0) return true;   // unreadable: the reader's own open says why
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            using var fs = new FileStream(handle, FileAccess.Read, 1);
            return fs.CanSeek;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
