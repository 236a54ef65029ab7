using System.Text.Json;
using PhaseScope.Reporting.Store;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Tests.Cli;

/// <summary>
/// <c>phasescope forget</c> end to end on a small synthetic MNIST written as IDX files (each digit a fixed random
/// ±1 pattern plus noise): the run is stored with the evaluation of both tasks, the monitor's moments metrics, the
/// task switch as an event and a report, and fine-tuning on task B forgets task A (one shared 10-way head).
/// </summary>
public class ForgetCommandTests
{
    const int Side = 8, TrainPerDigit = 60, TestPerDigit = 20;

    /// <summary>Writes the four IDX files of a learnable 10-class problem.</summary>
    internal static void WriteSyntheticMnist(string dir)
    {
        var rng = new Random(7);
        var prototypes = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, Side * Side).Select(_ => rng.Next(2) == 0 ? 40 : 215).ToArray()).ToArray();
        void Write(string images, string labels, int perDigit)
        {
            int count = perDigit * 10;
            var pixels = new byte[count * Side * Side];
            var ys = new byte[count];
            for (int i = 0; i < count; i++)
            {
                int digit = i % 10;
                ys[i] = (byte)digit;
                for (int j = 0; j < Side * Side; j++)
                    pixels[i * Side * Side + j] = (byte)Math.Clamp(prototypes[digit][j] + rng.Next(-60, 61), 0, 255);
            }
            IdxFile.Write(Path.Combine(dir, images), [count, Side, Side], pixels);
            IdxFile.Write(Path.Combine(dir, labels), [count], ys);
        }
        Write("train-images-idx3-ubyte", "train-labels-idx1-ubyte", TrainPerDigit);
        Write("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", TestPerDigit);
    }

    [Fact]
    public void ForgetStoresTheRunWithBothTasksTheSwitchAndAReport()
    {
        using var dir = new TempDirectory();
        WriteSyntheticMnist(dir.Path);
        const int batch = 50, epochs = 6;
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["forget", "--mnist", dir.Path, "--strategy", "finetune", "--epochs", $"{epochs}",
            "--batch-size", $"{batch}", "--hidden", "32", "--lr", "0.01", "--eval-every", "3", "--probe-every", "2", "--out", dir.Path, "--name", "run", "--json"]);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;

        // Steps: task A has 5 digits × 60 = 300 examples, ⌈300/50⌉ = 6 batches per epoch; task B the same.
        int perTask = epochs * ((5 * TrainPerDigit + batch - 1) / batch);
        Assert.Equal(2 * perTask, root.GetProperty("steps").GetInt64());
        Assert.Equal(perTask, root.GetProperty("switch_step").GetInt64());
        var runDir = Path.Combine(dir.Path, "run");
        Assert.Equal(runDir, root.GetProperty("run_dir").GetString());

        // Task A is learnt, then forgotten by fine-tuning on B alone (its labels 5–9 take over the shared head).
        Assert.True(root.GetProperty("task_a_acc_before_switch").GetDouble() >= 0.9, stdout);
        Assert.True(root.GetProperty("task_a_acc").GetDouble() <= 0.5, stdout);
        Assert.True(root.GetProperty("task_b_acc").GetDouble() >= 0.9, stdout);

        using var reader = RunReader.Open(runDir);
        Assert.Equal("forget", reader.Info().Kind);
        Assert.Equal("completed", reader.Info().Status);
        // Evaluations every 3 steps and at the end of each task (steps 36 and 72, both multiples of 3): 3, 6, …, 72.
        Assert.Equal(Enumerable.Range(1, 2 * perTask / 3).Select(i => 3L * i), reader.Series("forget/task_a_test_acc").Select(p => p.Step));
        var accA = reader.Series("forget/task_a_test_acc");
        Assert.Equal(root.GetProperty("task_a_acc_before_switch").GetDouble(), accA.Single(p => p.Step == perTask).Value, 12);
        Assert.Equal(root.GetProperty("task_a_acc").GetDouble(), accA[^1].Value, 12);
        Assert.NotEmpty(reader.Series("moments/m_cap"));
        Assert.NotEmpty(reader.Series("loss"));
        Assert.Equal(root.GetProperty("before_switch").GetProperty("m_cap").GetInt32(), reader.Series("forget/before_switch/m_cap").Single().Value);
        var taskSwitch = Assert.Single(reader.Events(), e => e.Event.Kind == "task_switch");
        Assert.Equal(perTask, taskSwitch.Event.Step);
        Assert.Contains(reader.MetricNames(), n => n.StartsWith("monitor/seconds/", StringComparison.Ordinal));

        // Every family is on by default (issue 21): C_α by 5 micro-batches (50 = 5 × 10); the spectral edge, curvature and
        // weight-spectra probes are registered (their first calls lie beyond these 72 steps);
        // none failed, and the live diagnosis called the fall of task A forgetting (≥ 0.9 before, ≤ 0.5 after).
        Assert.DoesNotContain(reader.Events(), e => e.Event.Kind == "probe_failed");
        Assert.NotEmpty(reader.Series("consolidation/p_step_unbiased"));
        Assert.Contains("monitor/calls/spectral", reader.MetricNames());
        Assert.Contains("monitor/calls/curvature", reader.MetricNames());
        Assert.Contains("monitor/calls/weight_spectra", reader.MetricNames());
        Assert.Equal("forgetting", root.GetProperty("phase").GetString());
        Assert.StartsWith($"Task switch at step {perTask}.", root.GetProperty("diagnosis").GetString());
        Assert.Contains(reader.Events(), e => e.Event.Kind == "phase_entered" && e.Event.Message.StartsWith("forgetting", StringComparison.Ordinal));

        var report = File.ReadAllText(Path.Combine(runDir, "report.html"));
        Assert.Contains("task A test accuracy", report);
        Assert.Contains("task_switch", report);
    }

    /// <summary>
    /// Split MNIST's loop runs seed 003's controllers through the same protocol as the trainer (issue 25): with C_α every
    /// 5 steps and a stopping rule that fires at the second reading (a threshold no p in [0, 1) reaches, window 2), task
    /// A (6 epochs × 6 batches) ends at step 10 and task B, with fresh controllers, at step 20; each task is evaluated
    /// at its last step. With the controllers ignoring the first 5 steps of each task, the stops move to the second reading
    /// after them: steps 15 (readings 10, 15) and 30 (task B starts at 16; readings 25, 30).
    /// </summary>
    [Theory]
    [InlineData(0, 10, 20)]
    [InlineData(5, 15, 30)]
    public void SplitMnistsLoopStopsEachTaskWhereEarlyStoppingFires(int controlAfter, long switchStep, long lastStep)
    {
        using var dir = new TempDirectory();
        WriteSyntheticMnist(dir.Path);
        PhaseScope.Runtime.TorchRuntime.Initialize();
        using var data = SplitMnist.Load(dir.Path);
        var sink = new PhaseScope.Tests.Monitoring.CollectingSink();
        PhaseScope.Monitoring.PhaseMonitor? monitor = null;
        var options = new PhaseScope.Training.Forgetting.ForgettingOptions { EpochsPerTask = 6, BatchSize = 50, Hidden = 32, LearningRate = 0.01, EvaluateEvery = 100 };
        try
        {
            var result = PhaseScope.Training.Forgetting.SplitMnistExperiment.Run(data, options, model =>
            {
                monitor = new PhaseScope.Monitoring.PhaseMonitor(model, [new PhaseScope.Monitoring.Probes.ConsolidationProbe(new PhaseScope.Monitoring.Probes.ConsolidationOptions
                {
                    Method = PhaseScope.Monitoring.Probes.ConsolidationMethod.MicroBatches, Samples = 2,
                    Schedule = PhaseScope.Monitoring.ProbeSchedule.Every(5), Smoothing = 1, BatchSize = 50,
                })], [sink]);
                return new PhaseScope.Training.Forgetting.ForgettingObserver
                {
                    Monitor = monitor,
                    Controllers = () => [new PhaseScope.Control.EarlyStopping(2, 1 - 1e-12, lowP: true, fallingC: false, negativeI: false)],
                    ControlAfter = controlAfter,
                };
            });
            Assert.Equal((switchStep, lastStep), (result.SwitchStep, result.Steps));
            Assert.Equal([switchStep, lastStep], sink.Events.Where(e => e.Kind == "early_stop").Select(e => e.Step));
            Assert.Equal(Enumerable.Range(1, (int)lastStep / 5).Select(i => 5L * i), sink.Metrics.Where(m => m.Name == PhaseScope.Monitoring.Probes.ConsolidationMetrics.P).Select(m => m.Step));
            Assert.Equal([switchStep, lastStep], sink.Metrics.Where(m => m.Name == "forget/task_a_test_acc").Select(m => m.Step));
        }
        finally
        {
            monitor?.Dispose();
        }
    }

    [Fact]
    public void ForgetRefusesControllersWithoutTheConsolidationProbe()
    {
        using var dir = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run(dir.Path, ["forget", "--mnist", dir.Path, "--out", dir.Path, "--name", "r", "--cheap-only", "--adaptive-lr"]);
        Assert.Equal(2, code);
        Assert.Contains("--cheap-only", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "r")));
        (code, _, stderr) = CliRunner.Run(dir.Path, ["forget", "--mnist", dir.Path, "--out", dir.Path, "--name", "r", "--early-stop", "--batch-size", "127"]);
        Assert.Equal(2, code);
        Assert.Contains("divisible", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "r")));
        foreach (var (args, says) in new[] { (new[] { "--control-after", "10" }, "only applies"), (new[] { "--early-stop", "--control-after", "-1" }, "≥ 0") })
        {
            (code, _, stderr) = CliRunner.Run(dir.Path, ["forget", "--mnist", dir.Path, "--out", dir.Path, "--name", "r", .. args]);
            Assert.Equal(2, code);
            Assert.Contains(says, stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(dir.Path, "r")));
        }
    }

    [Fact]
    public void ForgetRefusesAnExistingRunDirectoryBeforeTraining()
    {
        using var dir = new TempDirectory();
        WriteSyntheticMnist(dir.Path);
        Directory.CreateDirectory(Path.Combine(dir.Path, "taken"));
        var (code, _, stderr) = CliRunner.Run(dir.Path, ["forget", "--mnist", dir.Path, "--out", dir.Path, "--name", "taken", "--epochs", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("already exists", stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(dir.Path, "taken")));
    }
}
