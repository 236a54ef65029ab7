using System.Diagnostics;
using System.Text.Json;
using PhaseScope.Checkpoints;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Reporting.Store;
using PhaseScope.Tests.Checkpoints;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Cli;

/// <summary>
/// <c>phasescope analyze</c> on the trajectory PyTorch wrote (Data/make_torch_fixtures.py: an MLP with BatchNorm, 40 SGD
/// steps, step_0.pt … step_35.pt, gradient samples and a metrics CSV): the stored run's norms and the spectral window's
/// singular values equal what the script computed in float64 from torch's own tensors.
/// </summary>
public class AnalyzeCommandTests
{
    static string Trajectory => TorchCheckpointTests.Data("trajectory");

    static JsonElement Expected()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TorchCheckpointTests.Data("expected.json")));
        return doc.RootElement.GetProperty("trajectory").Clone();
    }

    static void AssertClose(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");

    [Fact]
    public void APyTorchTrajectoryBecomesARunWithEveryFamilyAtItsTrainingSteps()
    {
        using var tmp = new TempDirectory();
        var runs = tmp.File("runs");
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "analyze", Trajectory, "--out", runs, "--name", "torch", "--window", "4",
            "--grads", Path.Combine(Trajectory, "grads"), "--metrics", Path.Combine(Trajectory, "metrics.csv"), "--json");
        Assert.True(code == 0, stderr);
        using var summary = JsonDocument.Parse(stdout);
        var s = summary.RootElement;
        Assert.Equal(8, s.GetProperty("checkpoints").GetInt32());
        Assert.Equal(35, s.GetProperty("last_step").GetInt64());
        Assert.Equal(4, s.GetProperty("spectral_windows").GetInt32());   // 7 updates, W = 4: windows end at steps 20, 25, 30, 35
        Assert.Equal(8, s.GetProperty("gradient_files").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("diagnosis").GetString()));
        var expected = Expected();
        // 83 parameters: Linear(4, 8) 40, BatchNorm1d(8) weight and bias 16, Linear(8, 3) 27; running statistics and the counter are buffers
        Assert.Equal(83, s.GetProperty("parameters").GetInt64());
        Assert.Contains(s.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("num_batches_tracked I64"));

        var runDir = Path.Combine(runs, "torch");
        Assert.True(File.Exists(Path.Combine(runDir, "report.html")));
        using var reader = RunReader.Open(runDir);
        Assert.Equal("completed", reader.Info().Status);
        var steps = expected.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        void Compare(string metric, string key)
        {
            var series = reader.Series(metric);
            var values = expected.GetProperty(key).EnumerateArray().ToArray();
            var want = steps.Select((st, i) => (st, values[i])).Where(p => p.Item2.ValueKind == JsonValueKind.Number && (metric != "dist_from_init" || p.st > 0)).ToList();
            Assert.Equal(want.Select(p => p.st), series.Select(x => x.Step));
            foreach (var ((st, v), got) in want.Zip(series)) AssertClose(v.GetDouble(), got.Value, 1e-6, $"{metric} at step {st}");
        }
        Compare("param_norm", "param_norm");
        Compare("update_norm", "update_norm");
        Compare("dist_from_init", "dist_from_first");

        var sigma = expected.GetProperty("sigma");
        Assert.Equal(sigma.EnumerateObject().Select(p => long.Parse(p.Name)), reader.Series(SpectralEdgeMetrics.KStar).Select(x => x.Step));
        foreach (var window in sigma.EnumerateObject())
        {
            long step = long.Parse(window.Name);
            var want = window.Value.EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (int j = 0; j < want.Length; j++)
                AssertClose(want[j], reader.Series($"{SpectralEdgeMetrics.SigmaPrefix}{j + 1}").Single(x => x.Step == step).Value, 1e-4, $"σ_{j + 1} at step {step}");
            var ratios = want.Zip(want.Skip(1), (a, b) => a / b).ToArray();
            int kStar = Array.IndexOf(ratios, ratios.Max()) + 1;
            Assert.Equal(kStar, reader.Series(SpectralEdgeMetrics.KStar).Single(x => x.Step == step).Value);
        }
        Assert.Equal(steps, reader.Series(ConsolidationMetrics.P).Select(x => x.Step));
        Assert.All(reader.Series(ConsolidationMetrics.P), x => Assert.InRange(x.Value, 0, 1));
        Assert.Equal(steps, reader.Series(MomentsMetrics.D0).Select(x => x.Step));
        Assert.Equal(steps, reader.Series(EvaluationMetrics.TrainLoss).Select(x => x.Step));
        Assert.Equal(0.1, reader.Series(EvaluationMetrics.TrainAcc)[0].Value, 12);   // metrics.csv: accuracy 0.1 + step/100
    }

    [Fact]
    public void HostileDirectoriesAreRefusedBeforeAnythingIsWritten()
    {
        using var tmp = new TempDirectory();
        var runs = tmp.File("runs");
        (int Code, string Stderr) Analyze(string dir, params string[] more)
        {
            var (code, _, stderr) = CliRunner.Run(tmp.Path, ["analyze", dir, "--out", runs, "--window", "2", .. more]);
            return (code, stderr);
        }
        var empty = Directory.CreateDirectory(tmp.File("empty")).FullName;
        File.WriteAllText(Path.Combine(empty, "notes.txt"), "not a checkpoint");
        var r = Analyze(empty);
        Assert.Equal(2, r.Code);
        Assert.Contains("holds no checkpoints", r.Stderr);

        var names = Directory.CreateDirectory(tmp.File("names")).FullName;
        File.Copy(Path.Combine(Trajectory, "step_0.pt"), Path.Combine(names, "final.pt"));
        File.Copy(Path.Combine(Trajectory, "step_5.pt"), Path.Combine(names, "gpt2_1000.pt"));
        r = Analyze(names);
        Assert.Equal(2, r.Code);
        Assert.Contains("no training step", r.Stderr);
        Assert.Contains("several numbers", r.Stderr);

        var dups = Directory.CreateDirectory(tmp.File("dups")).FullName;
        File.Copy(Path.Combine(Trajectory, "step_5.pt"), Path.Combine(dups, "step_5.pt"));
        File.Copy(Path.Combine(Trajectory, "step_10.pt"), Path.Combine(dups, "ckpt-0005.pt"));
        r = Analyze(dups);
        Assert.Equal(2, r.Code);
        Assert.Contains("both at training step 5", r.Stderr);

        var pickles = Directory.CreateDirectory(tmp.File("pickles")).FullName;
        File.Copy(Path.Combine(Trajectory, "step_5.pt"), Path.Combine(pickles, "step_5.pt"));
        File.Copy(TorchCheckpointTests.Data("list.pt"), Path.Combine(pickles, "step_10.pt"));
        r = Analyze(pickles);
        Assert.Equal(2, r.Code);
        Assert.Contains("step_10.pt", r.Stderr);
        Assert.Contains("holds a list", r.Stderr);
        Assert.False(Directory.Exists(runs), "nothing is written on bad input");
    }

    [Fact]
    public void FifosLinksAndProbeStateBesideCheckpointsAreLeftOut()
    {
        using var tmp = new TempDirectory();
        var dir = Directory.CreateDirectory(tmp.File("ckpts")).FullName;
        foreach (var step in new[] { 0, 5, 10 }) File.Copy(Path.Combine(Trajectory, $"step_{step}.pt"), Path.Combine(dir, $"step_{step}.pt"));
        File.CreateSymbolicLink(Path.Combine(dir, "step_15.pt"), Path.Combine(Trajectory, "step_15.pt"));   // a link to a checkpoint counts
        File.CreateSymbolicLink(Path.Combine(dir, "step_20.pt"), Path.Combine(dir, "missing.pt"));         // a dangling one does not
        File.Copy(Path.Combine(Trajectory, "step_20.pt"), Path.Combine(dir, "step_0000020.monitor.safetensors"));
        File.WriteAllText(Path.Combine(dir, "step_25.pt.tmp"), "half");
        using (var mk = Process.Start("mkfifo", [Path.Combine(dir, "step_30.pt")])) mk.WaitForExit();
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "analyze", dir, "--out", tmp.File("runs"), "--name", "r", "--window", "2", "--json");
        Assert.True(code == 0, stderr);
        using var s = JsonDocument.Parse(stdout);
        Assert.Equal(4, s.RootElement.GetProperty("checkpoints").GetInt32());
        Assert.Equal(15, s.RootElement.GetProperty("last_step").GetInt64());
        var notes = string.Join("\n", s.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()));
        Assert.Contains("step_20.pt left out: a link to nothing", notes);
        Assert.Contains("step_30.pt left out: not a regular file", notes);
        Assert.Contains("monitor.safetensors left out: PhaseScope's probe state", notes);
        Assert.Contains("step_25.pt.tmp left out: a temporary file", notes);

        // the same name again: refused, the stored run untouched
        var (again, _, err) = CliRunner.Run(tmp.Path, "analyze", dir, "--out", tmp.File("runs"), "--name", "r", "--window", "2");
        Assert.Equal(2, again);
        Assert.Contains("exists already", err);
    }

    [Fact]
    public void ADivergedCheckpointIsAnEventNotAPointOfTheTrajectory()
    {
        using var tmp = new TempDirectory();
        var dir = Directory.CreateDirectory(tmp.File("diverged")).FullName;
        foreach (var step in new[] { 0, 5, 10 }) File.Copy(Path.Combine(Trajectory, $"step_{step}.pt"), Path.Combine(dir, $"step_{step}.pt"));
        using (var scope = NewDisposeScope())
        {
            // step 15 from another framework's writer: safetensors, the same tensors, one weight NaN
            var tensors = CheckpointFile.Load(Path.Combine(Trajectory, "step_15.pt"));
            tensors["0.weight"][0, 0] = tensor(double.NaN, tensors["0.weight"].dtype);
            Safetensors.Save(Path.Combine(dir, "step_15.safetensors"), tensors.Select(kv => (kv.Key, kv.Value)));
        }
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "analyze", dir, "--out", tmp.File("runs"), "--window", "2", "--json", "--no-report");
        Assert.True(code == 0, stderr);
        using var s = JsonDocument.Parse(stdout);
        Assert.Equal(3, s.RootElement.GetProperty("checkpoints").GetInt32());
        Assert.Equal("unstable", s.RootElement.GetProperty("phase").GetString());
        using var reader = RunReader.Open(Path.Combine(tmp.File("runs"), "diverged"));
        Assert.Contains(reader.Events(), e => e.Event.Kind == "non_finite_parameters" && e.Event.Step == 15);
        Assert.Equal([0L, 5, 10], reader.Series("param_norm").Select(x => x.Step));
    }

    [Fact]
    public void FollowAddsEachCheckpointOnceItIsComplete()
    {
        using var tmp = new TempDirectory();
        var dir = Directory.CreateDirectory(tmp.File("live")).FullName;
        var runs = tmp.File("runs");
        using var p = CliRunner.Start(tmp.Path, "analyze", dir, "--out", runs, "--name", "live", "--window", "3", "--follow", "--follow-timeout", "5", "--json");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        void Copy(int step) => File.Copy(Path.Combine(Trajectory, $"step_{step}.pt"), Path.Combine(dir, $"step_{step}.pt"));
        foreach (var step in new[] { 0, 5, 10, 15 }) { Copy(step); Thread.Sleep(700); }
        // step 20 arrives in two halves: the first half alone is a truncated zip, never analysed
        var bytes = File.ReadAllBytes(Path.Combine(Trajectory, "step_20.pt"));
        File.WriteAllBytes(Path.Combine(dir, "step_20.pt"), bytes[..(bytes.Length / 2)]);
        Thread.Sleep(2000);
        using (var f = new FileStream(Path.Combine(dir, "step_20.pt"), FileMode.Append)) f.Write(bytes, bytes.Length / 2, bytes.Length - bytes.Length / 2);
        Thread.Sleep(1500);
        // step 25 is written under a temporary name and renamed, as torch.save callers do for atomic writes
        File.Copy(Path.Combine(Trajectory, "step_25.pt"), Path.Combine(dir, ".step_25.pt.partial"));
        Thread.Sleep(700);
        File.Move(Path.Combine(dir, ".step_25.pt.partial"), Path.Combine(dir, "step_25.pt"));
        Thread.Sleep(700);
        Copy(30);
        Thread.Sleep(700);
        Copy(35);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stderr.Result);
        using var s = JsonDocument.Parse(stdout.Result);
        Assert.Equal(8, s.RootElement.GetProperty("checkpoints").GetInt32());
        using var reader = RunReader.Open(Path.Combine(runs, "live"));
        Assert.Equal("completed", reader.Info().Status);
        Assert.Equal([0L, 5, 10, 15, 20, 25, 30, 35], reader.Series("param_norm").Select(x => x.Step));
        var expected = Expected().GetProperty("param_norm").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        foreach (var (want, got) in expected.Zip(reader.Series("param_norm"))) AssertClose(want, got.Value, 1e-6, "param_norm");
        Assert.Equal([15L, 20, 25, 30, 35], reader.Series(SpectralEdgeMetrics.KStar).Select(x => x.Step));
        Assert.True(File.Exists(Path.Combine(runs, "live", "report.html")));
    }
}
