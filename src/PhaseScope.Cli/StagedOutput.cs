using PhaseScope.IO;

namespace PhaseScope.Cli;

/// <summary>
/// The files a command writes into one folder (export's CSV and Parquet files, verdict's report, JSON and figures) are
/// written first into a hidden staging folder inside it and moved into place only when all of them are complete, each
/// by an atomic rename (<see cref="Commit"/>). A command that fails part way leaves the folder as it found it: the
/// staging folder is removed, earlier files are untouched, and a folder the command created is removed again.
/// </summary>
public sealed class StagedOutput : IDisposable
{
    readonly string target;
    readonly bool created;
    bool committed;

    /// <summary>Creates <paramref name="target"/> when absent and a staging folder in it.</summary>
    public StagedOutput(string target)
    {
        this.target = System.IO.Path.GetFullPath(target);
        created = !Directory.Exists(this.target);
        Directory.CreateDirectory(this.target);
        Folder = System.IO.Path.Combine(this.target, $".phasescope-staging-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
    }

    /// <summary>The staging folder to write into.</summary>
    public string Folder { get; }

    /// <summary>Moves every file of the staging folder into the target, <paramref name="last"/> (e.g. the report that
    /// names the others) after the rest; returns the target paths in that order. A target that is not a regular file or
    /// absent (<see cref="FileKinds.Of"/>) is refused with an <see cref="IOException"/>, before anything moves.</summary>
    public IReadOnlyList<string> Commit(string? last = null)
    {
        var files = Directory.GetFiles(Folder).Select(System.IO.Path.GetFileName).OfType<string>()
            .OrderBy(n => n == last ? 1 : 0).ThenBy(n => n, StringComparer.Ordinal).ToList();
        foreach (var name in files)
            if (FileKinds.Of(System.IO.Path.Combine(target, name)) is not (FileKind.Missing or FileKind.File) and var kind)
                throw new IOException($"{System.IO.Path.Combine(target, name)} is {FileKinds.Describe(kind)}, not a regular file; it is not replaced.");
        var written = new List<string>();
        foreach (var name in files)
        {
            var to = System.IO.Path.Combine(target, name);
            File.Move(System.IO.Path.Combine(Folder, name), to, overwrite: true);
            written.Add(to);
        }
        committed = true;
        return written;
    }

    /// <summary>Removes the staging folder, and the target when this command created it and did not commit.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (DirectoryNotFoundException) { } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (created && !committed)
            try { if (!Directory.EnumerateFileSystemEntries(target).Any()) Directory.Delete(target); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
