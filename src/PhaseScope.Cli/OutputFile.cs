using System.Text;

namespace PhaseScope.Cli;

/// <summary>
/// Checks an output file of <c>report</c>/<c>compare</c> before anything is written: it may replace an earlier HTML
/// page, never a file of a run (its store <c>run.db*</c>, <c>settings.json</c>, a checkpoint, TensorBoard events) nor
/// any other existing file that is not HTML (issue 24: <c>report --out runs/X/run.db</c> wrote HTML over the store).
/// </summary>
public static class OutputFile
{
    static readonly string[] RunFiles = ["run.db", "run.db-wal", "run.db-shm", "run.db-journal", "settings.json", "sweep.json"];
    static readonly string[] RunFolders = ["checkpoints", "tensorboard"];

    /// <summary>Throws <see cref="UsageException"/> when writing <paramref name="path"/> would overwrite a run's file or a non-HTML file.</summary>
    public static void EnsureReplaceable(string path, string optionName = "--out")
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{optionName} is empty; give a file name such as report.html.");
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new UsageException($"{optionName} {path} is a directory; give a file name such as report.html.");
        var name = Path.GetFileName(full);
        var dir = Path.GetDirectoryName(full)!;
        if (RunFiles.Contains(name, StringComparer.OrdinalIgnoreCase) && File.Exists(Path.Combine(dir, "run.db")))
            throw new UsageException($"{optionName} {path} is a file of the run in {dir}; writing HTML there would destroy it. Give another file name, e.g. {Path.Combine(dir, "report.html")}.");
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
            if (RunFolders.Contains(d.Name, StringComparer.Ordinal) && d.Parent is { } run && File.Exists(Path.Combine(run.FullName, "run.db")))
                throw new UsageException($"{optionName} {path} lies in the {d.Name} folder of the run in {run.FullName}; give a file outside it, e.g. {Path.Combine(run.FullName, "report.html")}.");
        if (File.Exists(full) && !LooksLikeHtml(full))
            throw new UsageException($"{optionName} {path} exists and is not an HTML page; PhaseScope replaces only earlier reports. Give another file name, or remove the file first.");
    }

    /// <summary>Whether the file starts (after whitespace or a byte-order mark) with <c>&lt;!DOCTYPE html</c> or <c>&lt;html</c>; an empty file counts.</summary>
    static bool LooksLikeHtml(string path)
    {
        var buffer = new byte[64];
        int n;
        try
        {
            using var f = File.OpenRead(path);
            n = f.Read(buffer, 0, buffer.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out {path} exists and cannot be read ({e.Message}); give another file name.");
        }
        var head = Encoding.UTF8.GetString(buffer, 0, n).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return n == 0 || head.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) || head.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }
}
