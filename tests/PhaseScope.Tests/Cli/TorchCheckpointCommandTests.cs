using System.Text.Json;
using PhaseScope.Tests.Checkpoints;

namespace PhaseScope.Tests.Cli;

/// <summary><c>inspect</c>, <c>spectral</c>, <c>moments</c> and <c>consolidation</c> on files PyTorch wrote (Data/).</summary>
public class TorchCheckpointCommandTests
{
    static string Data(string name) => TorchCheckpointTests.Data(name);

    [Fact]
    public void InspectListsAPyTorchStateDictOfEitherFormat()
    {
        using var tmp = new TempDirectory();
        foreach (var (file, format) in new[] { ("mlp_bn_zip.pt", "pytorch-zip"), ("mlp_bn_legacy.pt", "pytorch-legacy") })
        {
            var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "inspect", Data(file));
            Assert.True(code == 0, stderr);
            Assert.Contains("1.num_batches_tracked", stdout);
            Assert.Contains("I64", stdout);
            Assert.Contains("0.weight", stdout);
            Assert.Contains($"format {format}", stdout);
        }
        var (c2, out2, _) = CliRunner.Run(tmp.Path, "inspect", Data("full_checkpoint.pt"));
        Assert.Equal(0, c2);
        Assert.Contains("under key 'model'", out2);
        Assert.Contains("metadata epoch = 3", out2);
        var (c3, _, err3) = CliRunner.Run(tmp.Path, "inspect", Data("truncated_zip.pt"));
        Assert.Equal(2, c3);
        Assert.Contains("truncated", err3);
        Assert.DoesNotContain("header length", err3);
    }

    [Fact]
    public void SpectralStepIsTheTrainingStepAndGlobOrderIsCorrected()
    {
        using var tmp = new TempDirectory();
        var traj = Data("trajectory");
        // the order a shell glob gives: step_0, step_10, …, step_35, step_5, plus a probe-state file the glob also matches
        var monitor = Path.Combine(tmp.Path, "step_0000040.monitor.safetensors");
        File.Copy(Path.Combine(traj, "step_0.pt"), monitor);
        var files = Directory.GetFiles(traj, "step_*.pt").Order(StringComparer.Ordinal).Append(monitor).ToArray();
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, ["spectral", "--checkpoints", .. files, "--window", "4", "--json"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("training-step order", stderr);
        Assert.Contains("probe state", stderr);
        Assert.Contains("num_batches_tracked", stderr);
        using var json = JsonDocument.Parse(stdout);
        var windows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal([20L, 25, 30, 35], windows.Select(w => w.GetProperty("step").GetInt64()));
        Assert.Equal([4, 5, 6, 7], windows.Select(w => w.GetProperty("index").GetInt32()));
        Assert.All(windows, w => Assert.Equal("file name", w.GetProperty("step_source").GetString()));
        // σ of the last window: the singular values torch computed from its own updates
        using var expected = JsonDocument.Parse(File.ReadAllText(Data("expected.json")));
        var sigma = expected.RootElement.GetProperty("trajectory").GetProperty("sigma").GetProperty("35").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var got = windows[^1].GetProperty("sigma").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int j = 0; j < sigma.Length; j++) Assert.Equal(sigma[j], got[j], 1e-4 * sigma[0]);
    }

    [Fact]
    public void MomentsAndConsolidationReadPyTorchFiles()
    {
        using var tmp = new TempDirectory();
        var (code, stdout, stderr) = CliRunner.Run(tmp.Path, "moments", "--params", Data("mlp_bn_zip.pt"), "--json");
        Assert.True(code == 0, stderr);
        using (var json = JsonDocument.Parse(stdout))
        {
            var names = json.RootElement.GetProperty("tensors").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Equal(["0.bias", "0.weight", "1.bias", "1.weight", "3.bias", "3.weight"], names);   // no running statistics, no counter
            Assert.Equal(83, json.RootElement.GetProperty("n").GetInt64());
        }
        Assert.Contains("running statistics are not parameters", stderr);

        var grads = Path.Combine(Data("trajectory"), "grads", "step_0.pt");
        (code, stdout, stderr) = CliRunner.Run(tmp.Path, "consolidation", "--grads", grads, "--json");
        Assert.True(code == 0, stderr);
        using (var json = JsonDocument.Parse(stdout))
            Assert.Equal(4, json.RootElement.GetProperty("n_samples").GetInt32());

        (code, _, stderr) = CliRunner.Run(tmp.Path, "moments", "--params", Data("whole_model.pt"));
        Assert.Equal(2, code);
        Assert.Contains("not a dict of tensors", stderr);
    }
}
