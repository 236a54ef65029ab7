using System.Text.Json;
using PhaseScope.Monitoring;
using PhaseScope.Reporting;
using PhaseScope.Reporting.Html;

namespace PhaseScope.Cli.Commands;

/// <summary>What every training command does once its run ends: the monitor's cost into the store, the report, or the failure.</summary>
public static class RunEpilogue
{
    /// <summary>Stores each probe's total seconds and calls as <c>monitor/seconds/NAME</c> and <c>monitor/calls/NAME</c> at <paramref name="step"/>.</summary>
    public static void WriteTimings(RunStore store, PhaseMonitor monitor, long step) =>
        store.Write(monitor.Timings.SelectMany(t => new[]
        {
            new MetricRecord(step, $"monitor/seconds/{t.Name}", t.TotalSeconds),
            new MetricRecord(step, $"monitor/calls/{t.Name}", t.Calls),
        }).ToList());

    /// <summary>Marks the run failed with the error in its summary, says so on stderr, and returns the exit code.</summary>
    public static int Failed(RunStore store, string runDir, Exception e)
    {
        store.Complete("failed", CliJson.Serialize(new Dictionary<string, object?> { ["error"] = e.Message, ["run_dir"] = runDir }));
        Console.Error.WriteLine($"phasescope: training failed ({e.GetType().Name}): {EventText.OneLine(e.Message)}\nThe run so far is in {runDir}.");
        DebugOutput.Trace(e);
        return ExitCodes.Failed;
    }

    /// <summary>
    /// Writes RUN_DIR/report.html; a report that cannot be made is a warning, never a failed run (the run itself is stored).
    /// Call after <see cref="RunStore.Complete"/>, so the report shows the summary and the probe timings.
    /// </summary>
    public static void WriteReport(string runDir)
    {
        try
        {
            RunReport.Write(runDir, Path.Combine(runDir, "report.html"));
        }
        catch (Exception e) when (e is RunStoreException or IOException or UnauthorizedAccessException or InvalidOperationException or JsonException)
        {
            Console.Error.WriteLine($"phasescope: the run is stored but its report could not be written ({e.Message}); try 'phasescope report {runDir}'.");
        }
    }
}
