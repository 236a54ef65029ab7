namespace PhaseScope.IO;

/// <summary>
/// Writes a file whole or not at all: the content goes to a temporary file in the same folder, is
/// flushed to disk, and is renamed over the target (an atomic replace on one file system). A crash
/// or an exception leaves the old file (or none) and no temporary file. Only a regular file (or nothing) is replaced:
/// the rename would turn a device node, a FIFO, a socket or a symbolic link into a regular file, so a target of another
/// kind (<see cref="FileKinds.Of"/>, checked again just before the rename) is an <see cref="IOException"/> and stays as it was.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="write">Writes the content; the stream is flushed and closed afterwards.</param>
    /// <param name="mode">Unix permissions for the new file (ignored on Windows); null keeps the default.</param>
    public static void Write(string path, Action<Stream> write, UnixFileMode? mode = null)
    {
        var full = Path.GetFullPath(path);
        Refuse(full);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            if (mode is { } m && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, m);
            Refuse(full);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    static void Refuse(string full)
    {
        var kind = FileKinds.Of(full);
        if (kind is not (FileKind.Missing or FileKind.File))
            throw new IOException($"{full} is {FileKinds.Describe(kind)}, not a regular file; it is not replaced.");
    }
}
