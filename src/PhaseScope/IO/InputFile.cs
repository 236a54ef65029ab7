namespace PhaseScope.IO;

/// <summary>
/// The rule for every path a user names as something to read (a checkpoint, a gradient file, a run or sweep directory,
/// a predictor model): a file must be a regular file and a directory a directory, after following symbolic links, and
/// this is decided by <see cref="FileKinds.Of"/> before anything opens the path — a FIFO given as a checkpoint used to
/// block the command forever in <c>open</c>, and <c>/dev/zero</c> was read until memory ran out. Callers turn the
/// answer into their own bad-input error.
/// </summary>
public static class InputFile
{
    /// <summary>Null when <paramref name="path"/> is (or links to) a regular file; otherwise why it is not, as a clause
    /// that follows the path in a message ("is a FIFO (named pipe), not a regular file; …").</summary>
    public static string? Problem(string path)
    {
        if (string.IsNullOrEmpty(path)) return "is empty; give a file name";
        var kind = FileKinds.Of(path, followLinks: true);
        return kind switch
        {
            FileKind.File => null,
            FileKind.Missing => "does not exist",
            FileKind.Directory => "is a directory, not a file",
            _ => $"is {FileKinds.Describe(kind)}, not a regular file (PhaseScope reads only regular files: a pipe or device would be read until it hangs)",
        };
    }

    /// <summary>Null when <paramref name="path"/> is (or links to) a directory; otherwise why it is not.</summary>
    public static string? DirectoryProblem(string path)
    {
        if (string.IsNullOrEmpty(path)) return "is empty; give a directory";
        var kind = FileKinds.Of(path, followLinks: true);
        return kind switch
        {
            FileKind.Directory => null,
            FileKind.Missing => "does not exist",
            FileKind.File => "is a file, not a directory",
            _ => $"is {FileKinds.Describe(kind)}, not a directory",
        };
    }
}
