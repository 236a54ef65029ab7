using System.Text.Json;
using PhaseScope.Monitoring;
using PhaseScope.Reporting.Outputs.Html;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Reporting;

/// <summary>What every run does once its training ends, whoever trained it (<c>grok</c>, <c>forget</c>, a user's loop
/// through <c>PhaseScopeSession</c>): the monitor's cost into the store, then — after the store is completed, so the
/// report shows the summary and the probe timings — the HTML report beside the run.</summary>
public static class RunFinish
{
    /// <summary>Stores each probe's total seconds and calls as <c>monitor/seconds/NAME</c> and <c>monitor/calls/NAME</c> at <paramref name="step"/>.</summary>
    public static void WriteTimings(RunStore store, PhaseMonitor monitor, long step) =>
        store.Write(monitor.Timings.SelectMany(t => new[]
        {
            new MetricRecord(step, $"monitor/seconds/{t.Name}", t.TotalSeconds),
            new MetricRecord(step, $"monitor/calls/{t.Name}", t.Calls),
        }).ToList());

    /// <summary>The file the report of the run in <paramref name="runDir"/> is written to.</summary>
    public static string ReportPath(string runDir) => Path.Combine(runDir, "report.html");

    /// <summary>
    /// Writes <see cref="ReportPath"/>; returns null, or why the report could not be made (a report that cannot be made
    /// never fails the run: the run itself is stored, and <c>phasescope report RUN</c> can try again).
    /// </summary>
    public static string? TryWriteReport(string runDir)
    {
        try
        {
            RunReport.Write(runDir, ReportPath(runDir));
            return null;
        }
        catch (Exception e) when (e is RunStoreException or IOException or UnauthorizedAccessException or InvalidOperationException or JsonException)
        {
            return e.Message;
        }
    }
}
