namespace PhaseScope.Cli;

/// <summary>Checks, before anything is written, that a directory can be created or written.</summary>
public static class OutputDirectory
{
    /// <summary>
    /// Throws <see cref="UsageException"/> when <paramref name="path"/> is a file, or when neither it nor
    /// its nearest existing ancestor accepts a new file. Creates nothing that outlives the check.
    /// </summary>
    public static void EnsureWritable(string path, string optionName = "--out")
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{optionName} is empty; give a directory, e.g. {optionName} runs.");
        if (path.Any(char.IsControl)) throw new UsageException($"{optionName} contains a control character (newline, tab, escape…); give a plain directory path.");
        var full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new UsageException($"{optionName} {path} is a file; give a directory.");
        var probeDir = full;
        while (!Directory.Exists(probeDir))
        {
            var parent = Path.GetDirectoryName(probeDir);
            if (parent is null) throw new UsageException($"{optionName} {path}: no existing ancestor directory.");
            if (File.Exists(parent)) throw new UsageException($"{optionName} {path} cannot be created: {parent} is a file.");
            probeDir = parent;
        }
        var probe = Path.Combine(probeDir, $".phasescope-write-test-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{optionName} {path} cannot be written ({probeDir} refuses new files: {e.Message}). Choose a writable directory.");
        }
    }
}
