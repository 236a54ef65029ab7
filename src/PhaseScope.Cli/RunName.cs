namespace PhaseScope.Cli;

/// <summary>
/// A run directory name given with <c>--name</c>: one path component of at most <see cref="MaxLength"/> characters,
/// without control characters (a newline made a directory no shell listing shows plainly) or separators.
/// </summary>
public static class RunName
{
    /// <summary>Longest accepted name (file systems allow 255 bytes; PhaseScope adds suffixes inside the run directory).</summary>
    public const int MaxLength = 120;

    /// <summary>Throws <see cref="UsageException"/> naming what is wrong with <paramref name="name"/> (null: derived, fine).</summary>
    public static void Check(string? name)
    {
        if (name is null) return;
        string shown = new(name.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        if (string.IsNullOrWhiteSpace(name)) throw new UsageException("--name is empty; give a directory name such as mod-add-s42, or omit it.");
        if (name.Length > MaxLength) throw new UsageException($"--name '{shown}…' has {name.Length} characters; give at most {MaxLength}.");
        if (name.Any(char.IsControl)) throw new UsageException($"--name '{shown}' contains a control character (newline, tab, escape…); use letters, digits, '-', '_' or '.'.");
        if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('\\', StringComparison.Ordinal) || name is "." or "..")
            throw new UsageException($"--name '{shown}' is not a single directory name (no '/', '\\', '.' or '..'); use letters, digits, '-', '_' or '.'.");
    }
}
