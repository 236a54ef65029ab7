using PhaseScope.Reporting.Store;

namespace PhaseScope.Cli.Commands.TrainingRun;

/// <summary>
/// A run directory this command has just created. Once a training step has completed the run is kept whatever happens
/// (a failure is stored as a failed run; with a resume point it continues with <c>--resume</c>). A command that fails
/// before that — a model or optimizer that cannot be allocated, a setting refused only once the data or model exist —
/// removes the directory with everything in it, and the folders above it that the run's creation made (a new
/// <c>--out</c>), so a failed start leaves the file system as it found it.
/// </summary>
/// <param name="directory">The run directory.</param>
/// <param name="store">Its store, closed before the removal.</param>
/// <param name="createdRoot">The topmost folder that did not exist before the run was created (<see cref="TopMissing"/>).</param>
public sealed class FreshRun(string directory, RunStore store, string createdRoot)
{
    bool removed;

    /// <summary>The topmost folder of <paramref name="path"/> (itself included) that does not exist yet; call before creating it.</summary>
    public static string TopMissing(string path)
    {
        var top = Path.GetFullPath(path);
        for (var up = Path.GetDirectoryName(top); up is not null && !Directory.Exists(up) && !File.Exists(up); up = Path.GetDirectoryName(up)) top = up;
        return top;
    }

    /// <summary>Whether a training step has completed.</summary>
    public bool Started { get; private set; }

    /// <summary>Called after each completed training step.</summary>
    public void StepCompleted(long step) => Started = true;

    /// <summary>Closes the store and removes the directory unless training has started; true when the directory is gone.
    /// Safe to call more than once.</summary>
    public bool RemoveUnlessStarted()
    {
        if (Started) return false;
        if (removed) return true;
        store.Abandon();
        store.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
            for (var d = Path.GetDirectoryName(Path.GetFullPath(directory)); d is not null && d.Length >= createdRoot.Length
                 && d.StartsWith(createdRoot, StringComparison.Ordinal) && !Directory.EnumerateFileSystemEntries(d).Any(); d = Path.GetDirectoryName(d))
                Directory.Delete(d);
            removed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"phasescope: {TerminalText.Plain(directory)} could not be removed ({TerminalText.Plain(e.Message)}); remove it by hand.");
        }
        return removed;
    }
}
