using System.Globalization;
using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Diagnosis;

/// <summary>
/// The loss spikes of the README's first command with the cheap probes only (modular add, p = 97, seed 42, weight decay
/// 1, 6,000 steps; the issue that asked for the diagnosis saw them at ≈ 2400, 2900, 3300, 4000 and 5100, with train
/// accuracy 0.46 at 2400). The stored training-loss series of that run (<c>loss</c> every 10 steps, from its run.db,
/// written by <c>phasescope grok ... --cheap-only</c> on 2026-12-05) is the input; the steps are the issue's, read off
/// the run's curves, not the detector's output.
/// </summary>
public class ReadmeRunSpikeTests
{
    static List<MetricRecord> Stored(string file) => File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Diagnosis", "Data", file))
        .Skip(1).Select(l => l.Split(','))
        .Select(f => new MetricRecord(long.Parse(f[0], CultureInfo.InvariantCulture), f[1], double.Parse(f[2], CultureInfo.InvariantCulture))).ToList();

    [Fact]
    public void TheFiveSpikesOfTheReadmeRunAreFlagged()
    {
        var metrics = Stored("readme-run-cheap-seed42.csv");
        var d = RunDiagnosis.Replay(metrics, []);
        foreach (long seen in new long[] { 2400, 2900, 3300, 4000, 5100 })
            Assert.True(d.Spikes.Any(s => Math.Abs(s.Onset - seen) <= 150),   // the issue read its steps off a chart (≈)
                $"no spike near step {seen}; found at {string.Join(", ", d.Spikes.Select(s => s.Onset))}");
        Assert.Contains(d.Timeline, t => t.Phase == RunPhase.Unstable && Math.Abs(t.Start - 2400) <= 100);
    }

    /// <summary>
    /// The same command with every family on (default since issue 21; <c>grok ... --out runs --name full1</c>, 2026-12-05):
    /// grokked at 1500 and ended with train and test accuracy 1.0 and train loss 1.6e-5. Its last spike (step 5240, loss
    /// 1.2e-6 → 0.058) fell back to 1e-4 within 200 steps and then relaxed slowly; the diagnosis said "diverging" and left
    /// the run <c>unstable</c> at its end. A run that finishes at accuracy 1.0 with a falling loss is neither.
    /// </summary>
    [Fact]
    public void ARunThatRecoveredFromItsSpikesIsNotDiverging()
    {
        var metrics = Stored("readme-run-full-seed42.csv");
        var d = RunDiagnosis.Replay(metrics, []);
        d.Finish(6000);
        string said = d.Describe(1500);
        Assert.DoesNotContain("diverging", said);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(said, "generalised \\d"));   // one episode, its interruptions counted
        Assert.Equal(RunPhase.Generalised, d.Current);
        var last = d.Spikes.Single(s => Math.Abs(s.Onset - 5250) <= 20);   // the loss jumps between the stored steps 5240 and 5250
        Assert.NotNull(last.End);
        Assert.True(last.End <= 5600, $"the spike at {last.Onset} ended only at {last.End}");
    }
}
