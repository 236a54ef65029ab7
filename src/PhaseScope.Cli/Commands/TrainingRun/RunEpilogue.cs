using PhaseScope.Monitoring;
using PhaseScope.Reporting;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Cli.Commands.TrainingRun;

/// <summary>What every training command does once its run ends: the monitor's cost into the store, the report, or the failure.</summary>
public static class RunEpilogue
{
    /// <summary>Stores each probe's total seconds and calls (<see cref="RunFinish.WriteTimings"/>).</summary>
    public static void WriteTimings(RunStore store, PhaseMonitor monitor, long step) => RunFinish.WriteTimings(store, monitor, step);

    /// <summary>
    /// Marks the run failed with the error in its summary, says so on stderr in one line plus what to do, and returns the
    /// exit code. When the run store itself failed (<see cref="SinkFailedException"/>, e.g. a full disk) its unwritable
    /// records are dropped first, so the original cause is what the user reads; if even the status cannot be recorded,
    /// that is said too (the run then reads "running" until it is resumed). A full disk gets the remedy: free space and
    /// resume with <paramref name="resumeCommand"/> from the last resume point.
    /// </summary>
    public static int Failed(RunStore store, string runDir, Exception e, string? resumeCommand = null)
    {
        var cause = e is SinkFailedException { InnerException: { } inner } ? inner : e;
        if (e is SinkFailedException) store.Abandon();
        string? statusError = null;
        try
        {
            store.Complete("failed", CliJson.Serialize(new Dictionary<string, object?> { ["error"] = e.Message, ["run_dir"] = runDir }));
        }
        catch (Exception c) when (c is System.Data.Common.DbException or IOException or InvalidOperationException)
        {
            store.Abandon();
            statusError = EventText.OneLine(c.Message).TrimEnd('.');
        }
        string where = e is SinkFailedException s ? $" at step {s.Step}" : "";
        Console.Error.WriteLine($"phasescope: training failed{where}: {TerminalText.Plain(EventText.OneLine(cause.Message))}");
        if (statusError is not null) Console.Error.WriteLine($"Its status could not be recorded either ({statusError}); the run reads 'running' until it is resumed.");
        if (DiskFull(e))
        {
            var point = PhaseScope.Training.Resume.ResumePoint.Latest(store.CheckpointDirectory, out _);
            Console.Error.WriteLine(resumeCommand is null || point is null
                ? $"The disk holding {runDir} is full. Free space and start the run again{(point is null && resumeCommand is not null ? " (it had no resume point yet)" : "")}; remove {runDir} first or choose another --name."
                : $"The disk holding {runDir} is full. Free space, then continue from step {point.Step} with: {resumeCommand}");
        }
        else Console.Error.WriteLine($"The run so far is in {runDir}.");
        DebugOutput.Trace(e);
        return ExitCodes.Failed;
    }

    /// <summary>
    /// Says on stderr that the run could not start and that its directory (removed by <see cref="FreshRun"/>) is gone;
    /// returns the exit code of a failure.
    /// </summary>
    public static int FailedBeforeStart(string runDir, Exception e)
    {
        var cause = e is SinkFailedException { InnerException: { } inner } ? inner : e;
        Console.Error.WriteLine($"phasescope: the run could not start: {TerminalText.Plain(EventText.OneLine(cause.Message))}");
        Console.Error.WriteLine($"Nothing was kept: {TerminalText.Plain(runDir)} was removed.");
        DebugOutput.Trace(e);
        return ExitCodes.Failed;
    }

    /// <summary>Records the run as <c>failed</c> with the error in its summary, for a failure that is reported elsewhere
    /// (bad input found once training had started); a store that cannot record it is left as it is.</summary>
    public static void MarkFailed(RunStore store, string runDir, Exception e)
    {
        try { store.Complete("failed", CliJson.Serialize(new Dictionary<string, object?> { ["error"] = e.Message, ["run_dir"] = runDir })); }
        catch (Exception c) when (c is System.Data.Common.DbException or IOException or InvalidOperationException) { store.Abandon(); }
    }

    /// <summary>Whether <paramref name="e"/> or an inner exception says the disk is full: SQLite's SQLITE_FULL (13,
    /// "database or disk is full") or the OS's ENOSPC ("No space left on device").</summary>
    public static bool DiskFull(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 }
                || x.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
                || x.Message.Contains("disk is full", StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }

    /// <summary>
    /// Writes RUN_DIR/report.html; a report that cannot be made is a warning, never a failed run (the run itself is stored).
    /// Call after <see cref="RunStore.Complete"/>, so the report shows the summary and the probe timings.
    /// </summary>
    public static void WriteReport(string runDir)
    {
        try { OutputGuard.File(RunFinish.ReportPath(runDir), "report", ownRuns: [runDir], owned: OutputGuard.HtmlPage); }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"phasescope: the run is stored but its report was not written ({e.Message}); try 'phasescope report {runDir} --out FILE'.");
            return;
        }
        if (RunFinish.TryWriteReport(runDir) is { } problem)
            Console.Error.WriteLine($"phasescope: the run is stored but its report could not be written ({problem}); try 'phasescope report {runDir}'.");
    }
}
