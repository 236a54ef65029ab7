namespace PhaseScope.Reporting.Store;

/// <summary>
/// The one-writer lock of a run directory: <c>RUN_DIR/run.lock</c> held open with <see cref="FileShare.None"/>, which .NET
/// turns into an exclusive OS file lock (flock on Linux/macOS, a share mode on Windows). The OS releases it when the
/// process ends, however it ends, so a killed run never leaves a stale lock. Without it, two <c>grok --resume</c> of the
/// same run at once both write the store (measured: 48,593 metric rows instead of 27,854).
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file's name inside the run directory.</summary>
    public const string FileName = "run.lock";

    readonly FileStream stream;

    RunLock(FileStream stream) => this.stream = stream;

    /// <summary>Takes the lock of <paramref name="directory"/> (which must exist).</summary>
    /// <exception cref="RunStoreException">Another process holds it.</exception>
    public static RunLock Acquire(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            return new RunLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new RunStoreException($"The run in {directory} is being written by another process (it holds {path}); wait for it to finish or stop it, then try again.", e);
        }
    }

    /// <summary>Releases the lock (the file stays; it holds nothing).</summary>
    public void Dispose() => stream.Dispose();
}
