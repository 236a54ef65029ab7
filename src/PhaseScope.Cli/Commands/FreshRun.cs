using PhaseScope.Reporting;

namespace PhaseScope.Cli.Commands;

/// <summary>
/// A run directory this command has just created. Once a training step has completed the run is kept whatever happens
/// (a failure is stored as a failed run; with a resume point it continues with <c>--resume</c>). A command that fails
/// before that — a model or optimizer that cannot be allocated, a setting refused only once the data or model exist —
/// removes the directory with everything in it, so a failed start leaves the file system as it found it.
/// </summary>
public sealed class FreshRun(string directory, RunStore store)
{
    bool removed;

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
            removed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"phasescope: {TerminalText.Plain(directory)} could not be removed ({TerminalText.Plain(e.Message)}); remove it by hand.");
        }
        return removed;
    }
}
