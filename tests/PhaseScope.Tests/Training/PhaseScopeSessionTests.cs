using System.Text.Json;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Reporting;
using PhaseScope.Training;
using TorchSharp;
using PhaseScope.Reporting.Store;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>The one-call attachment: families left off say why, the grok step comes from the evaluations, and a
/// session ends as a run that <c>phasescope</c> reads (status, summary, report), also when it is disposed unfinished.</summary>
public class PhaseScopeSessionTests
{
    static (nn.Module<Tensor, Tensor> Model, optim.Optimizer Optimizer) Model()
    {
        manual_seed(4);
        var model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2));
        return (model, optim.SGD(model.parameters(), 0.1));
    }

    static void Train(PhaseScopeSession run, nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, int steps)
    {
        manual_seed(5);
        using var x = randn(16, 3);
        using var y = randint(2, [16]);
        var criterion = nn.CrossEntropyLoss();
        for (int step = 1; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var loss = run.Loop.Backward(step, x, y, (xs, ys) => criterion.call(model.call(xs), ys));
            optimizer.step();
            run.Loop.AfterStep(step);
        }
    }

    [Fact]
    public void WithoutABatchSizeOrLossSourceTheFamiliesThatNeedThemAreOffAndSaySo()
    {
        using var dir = new TempDirectory();
        var (model, optimizer) = Model();
        using var _ = model;
        var runDir = dir.File("run");
        using (var run = PhaseScopeSession.Attach(model, optimizer, new AttachOptions(runDir)))
        {
            Assert.Equal(2, run.Notes.Count);
            Assert.Contains(run.Notes, n => n.StartsWith("curvature (λ_max) is off", StringComparison.Ordinal));
            Assert.Contains(run.Notes, n => n.StartsWith("consolidation (C_α) is off", StringComparison.Ordinal));
            Assert.Equal(2, run.Monitor.Events.Count(e => e.Kind == "family_off"));
            Train(run, model, optimizer, 20);
            run.Evaluate(10, new EvaluationResult(0.5, 0.9, 0.6, 0.80));
            run.Evaluate(20, new EvaluationResult(0.1, 1.0, 0.2, 0.96));   // ≥ 0.95 first here
            var outcome = run.Finish();
            Assert.Equal("completed", outcome.Status);
            Assert.StartsWith("Generalised (test accuracy ≥ 0.95) at step 20.", outcome.Diagnosis);
            Assert.Equal(RunFinish.ReportPath(runDir), outcome.ReportPath);
            Assert.True(File.Exists(outcome.ReportPath));
            Assert.Throws<ObjectDisposedException>(() => run.Finish());
        }
        using var reader = RunReader.Open(runDir);
        var info = reader.Info();
        Assert.Equal("completed", info.Status);
        Assert.Equal("run", info.Name);
        using var summary = JsonDocument.Parse(info.SummaryJson!);
        Assert.Equal(20, summary.RootElement.GetProperty("grok_step").GetInt64());
        Assert.Equal(20, summary.RootElement.GetProperty("steps").GetInt64());
        Assert.Equal(0.96, summary.RootElement.GetProperty("final_test_acc").GetDouble());
        Assert.Equal([20L], reader.Events().Where(e => e.Event.Kind == "grokked").Select(e => e.Event.Step));
        // the monitor's cost is stored at the last step, one pair per probe, as grok stores it
        Assert.Contains(reader.MetricNames(), n => n == "monitor/seconds/moments");
        Assert.Equal([20L], reader.Series("monitor/calls/loss").Select(s => s.Step));
        Assert.Equal(2, reader.Series("monitor/calls/loss")[0].Value);   // the cheap probes every 10 steps: 10 and 20
    }

    [Fact]
    public void ASessionDisposedUnfinishedIsStoredAsCancelled()
    {
        using var dir = new TempDirectory();
        var (model, optimizer) = Model();
        using var _ = model;
        var runDir = dir.File("run");
        using (var run = PhaseScopeSession.Attach(model, optimizer, new AttachOptions(runDir) { BatchSize = 16, CheapOnly = true, Report = false }))
        {
            Assert.Empty(run.Notes);
            Train(run, model, optimizer, 3);
        }
        using var reader = RunReader.Open(runDir);
        Assert.Equal("cancelled", reader.Info().Status);
        Assert.False(File.Exists(RunFinish.ReportPath(runDir)));
    }

    [Fact]
    public void ARunDirectoryInUseIsRefusedBeforeAnythingIsAttached()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("keep.txt"), "mine");
        var (model, optimizer) = Model();
        using var _ = model;
        Assert.Throws<RunStoreException>(() => PhaseScopeSession.Attach(model, optimizer, new AttachOptions(dir.Path)));
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Assert.Throws<ArgumentOutOfRangeException>(() => PhaseScopeSession.Attach(model, optimizer, new AttachOptions(dir.File("x")) { ProbeEvery = 0 }));
        Assert.False(Directory.Exists(dir.File("x")));
    }

    [Fact]
    public void AProbeListTheMonitorRefusesLeavesNoRunBehind()
    {
        using var dir = new TempDirectory();
        var (model, optimizer) = Model();
        using var _ = model;
        var twice = CheapProbes.Create(1, perTensor: false)[0];   // the same name as the session's own cheap probe
        var fresh = dir.File("fresh");
        Assert.Throws<ArgumentException>(() => PhaseScopeSession.Attach(model, optimizer, new AttachOptions(fresh) { CheapOnly = true, Probes = [twice] }));
        Assert.False(Directory.Exists(fresh));
        var empty = dir.File("empty");
        Directory.CreateDirectory(empty);
        Assert.Throws<ArgumentException>(() => PhaseScopeSession.Attach(model, optimizer, new AttachOptions(empty) { CheapOnly = true, Probes = [twice] }));
        Assert.True(Directory.Exists(empty));
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }
}
