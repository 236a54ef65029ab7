using PhaseScope.IO;

namespace PhaseScope.Cli;

/// <summary>
/// <see cref="InputFile"/>'s rule for the files and directories a command is told to read (checkpoints, gradient files,
/// run and sweep directories, settings and predictor files): a FIFO, device or socket is refused with exit 2 before
/// anything opens it, naming the option, the path and why.
/// </summary>
public static class InputPath
{
    /// <summary>Throws <see cref="UsageException"/> unless <paramref name="path"/> is (or links to) a regular file.</summary>
    /// <param name="path">The path as given.</param>
    /// <param name="label">What names it in the message: the option (<c>--grads</c>) or the argument (<c>FILE</c>), or empty.</param>
    /// <param name="fix">What to give instead, e.g. "pass a .safetensors file".</param>
    public static void File(string path, string label, string fix)
    {
        if (InputFile.Problem(path) is { } why) throw new UsageException($"{Prefix(label)}{path} {why}; {fix}.");
    }

    /// <summary>Throws <see cref="UsageException"/> unless <paramref name="path"/> is (or links to) a directory.</summary>
    public static void Directory(string path, string label, string fix)
    {
        if (InputFile.DirectoryProblem(path) is { } why) throw new UsageException($"{Prefix(label)}{path} {why}; {fix}.");
    }

    static string Prefix(string label) => label.Length == 0 ? "" : label + " ";
}
