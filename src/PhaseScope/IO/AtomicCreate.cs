using System.Runtime.InteropServices;

namespace PhaseScope.IO;

/// <summary>
/// Creates a file whole, and only if no file of that name exists, even when several processes race to create it (the
/// shards of one sweep writing its manifest into a shared directory): the content goes to a temporary file in the same
/// folder, is flushed to disk, and is hard-linked to the target with POSIX <c>link(2)</c>, which fails when the target
/// exists; the temporary name is removed either way. A reader never sees a partial file, and exactly one creator wins.
/// Where <c>link</c> is not available (Windows) a move that refuses to overwrite does the same.
/// </summary>
public static partial class AtomicCreate
{
    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    const int EEXIST = 17;   // Linux and macOS

    /// <summary>Creates <paramref name="path"/> with <paramref name="write"/>; false when the file already exists (it is
    /// left as it is).</summary>
    /// <exception cref="IOException">The file could not be written or linked for another reason.</exception>
    public static bool TryWrite(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            if (OperatingSystem.IsWindows())
            {
                try { File.Move(temp, full, overwrite: false); return true; }
                catch (IOException) when (File.Exists(full)) { return false; }
            }
            if (Link(temp, full) == 0) return true;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EEXIST) return false;
            throw new IOException($"{full} could not be created (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)}).");
        }
        finally
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
