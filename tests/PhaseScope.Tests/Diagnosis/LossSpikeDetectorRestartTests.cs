using PhaseScope.Diagnosis;
using PhaseScope.Monitoring;

namespace PhaseScope.Tests.Diagnosis;

/// <summary>A task switch starts the loss-spike baseline again: task B's first losses are not a spike against task A's.</summary>
public class LossSpikeDetectorRestartTests
{
    /// <summary>Task A's loss falls geometrically from 2.3 to 2.3·0.9⁴⁰ ≈ 0.034 over 40 observations; task B's starts
    /// again at 2.3 and falls the same way. Against the median of task A's last 30 losses (2.3·0.9^24.5 ≈ 0.17) task B's
    /// first loss is ≈ 13×, above the ×4 onset (and the scatter term is 0: the changes of log L are all log 0.9, so their centre is log 0.9 and their
    /// deviations 0).</summary>
    static (long Step, double Loss)[] TwoTasks() =>
        [.. Enumerable.Range(0, 80).Select(i => ((long)(i + 1), 2.3 * Math.Pow(0.9, i % 40)))];

    [Fact]
    public void WithoutARestartTaskBsFirstLossIsASpike()
    {
        var detector = new LossSpikeDetector();
        var found = TwoTasks().Select(p => detector.Observe(p.Step, p.Loss)).ToList();
        Assert.True(found[40].HasFlag(LossSpikeDetector.Change.SpikeStarted));
        Assert.Equal(41, Assert.Single(detector.Spikes).Onset);
    }

    [Fact]
    public void ARestartAtTheSwitchFindsNoSpike()
    {
        var detector = new LossSpikeDetector();
        foreach (var (step, loss) in TwoTasks())
        {
            if (step == 41) detector.Restart(40);
            Assert.Equal(LossSpikeDetector.Change.None, detector.Observe(step, loss));
        }
        Assert.Empty(detector.Spikes);
        Assert.False(detector.IsDiverging);
    }

    [Fact]
    public void TheDiagnosisRestartsAtTheTaskSwitchEvent()
    {
        var diagnosis = new RunDiagnosis();
        foreach (var (step, loss) in TwoTasks())
        {
            if (step == 41) diagnosis.Observe(new MonitorEvent(40, "task_switch", "forget", "Task switch at step 40."));
            diagnosis.Observe(new MetricRecord(step, "loss", loss));
        }
        Assert.DoesNotContain(diagnosis.TakeEvents(), e => e.Kind == "loss_spike");
    }
}
