using System.Text.Json;
using PhaseScope.Checkpoints;
using PhaseScope.Tests.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Cli;

public class SpectralCommandTests
{
    /// <summary>Writes θ_0, θ_0 + δ_1, … with δ_i the planted rows (two tensors, split 60/40), float32 on disk.</summary>
    static string[] WriteTrajectory(TempDirectory dir, Tensor[] rows, string prefix = "ckpt")
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(3);
        var theta = randn([100], ScalarType.Float64, generator: g);
        var files = new List<string>();
        for (int i = 0; i <= rows.Length; i++)
        {
            if (i > 0) theta = theta.add(rows[i - 1]);
            var path = dir.File($"{prefix}{i:D2}.safetensors");
            Safetensors.Save(path, [("block.q_proj.weight", theta.narrow(0, 0, 60).reshape(6, 10).to_type(ScalarType.Float32)),
                ("block.mlp.weight", theta.narrow(0, 60, 40).reshape(4, 10).to_type(ScalarType.Float32))]);
            files.Add(path);
        }
        return [.. files];
    }

    [Fact]
    public void JsonWindowsRecoverThePlantedSpectrum()
    {
        // 4 planted updates with σ = 8, 4, 3, 0.5: ratios 2, 1.333, 6 → k* = 3, R = 6; weighted (σ_j/15.5)·ratio = 1.03, 0.34, 1.16 → 3;
        // g23 = 16 − 9 = 7; σ² = 64, 16, 9, 0.25 (89.25): cumulative 0.717, 0.897, 0.997 → k95 = 3. Float32 files: tolerance 1e-4.
        using var dir = new TempDirectory();
        double[] sigma = [8, 4, 3, 0.5];
        var rows = Planted.Rows(sigma, 100, 5);
        var files = WriteTrajectory(dir, rows);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["spectral", "--checkpoints", .. files, "--window", "4", "--json"]);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var w = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(4, w.GetProperty("step").GetInt32());
        var got = w.GetProperty("sigma").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int j = 0; j < 4; j++) Assert.Equal(sigma[j], got[j], 1e-4 * sigma[0]);
        Assert.Equal(3, w.GetProperty("k_star").GetInt32());
        Assert.Equal(3, w.GetProperty("k_star_weighted").GetInt32());
        Assert.Equal(6.0, w.GetProperty("gap_ratio").GetDouble(), 2e-3);
        Assert.Equal(7.0, w.GetProperty("g23").GetDouble(), 2e-2);
        Assert.Equal(3, w.GetProperty("k95").GetInt32());

        // Five files and W = 3 give two windows; --tensors selects by name.
        var (code2, stdout2, _) = CliRunner.Run(dir.Path, ["spectral", "--checkpoints", .. files, "--window", "3", "--tensors", "q_proj", "--json"]);
        Assert.Equal(0, code2);
        using var json2 = JsonDocument.Parse(stdout2);
        Assert.Equal([3, 4], json2.RootElement.EnumerateArray().Select(e => e.GetProperty("step").GetInt32()));
        foreach (var r in rows) r.Dispose();
    }

    [Fact]
    public void MismatchedCheckpointsAreAClearErrorNamingFileAndTensor()
    {
        using var dir = new TempDirectory();
        var rows = Planted.Rows([3, 2, 1], 100, 6);
        var files = WriteTrajectory(dir, rows);
        var odd = dir.File("odd.safetensors");
        using (var t = zeros(7, 10)) using (var m = zeros(4, 10)) Safetensors.Save(odd, [("block.q_proj.weight", t), ("block.mlp.weight", m)]);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["spectral", "--checkpoints", files[0], files[1], odd, files[3], "--window", "2"]);
        Assert.Equal(2, code);
        Assert.Contains("block.q_proj.weight", stderr);
        Assert.Contains("odd.safetensors", stderr);
        Assert.Equal("", stdout);

        var missing = dir.File("missing.safetensors");
        using (var t = zeros(6, 10)) Safetensors.Save(missing, [("block.q_proj.weight", t)]);
        (code, _, stderr) = CliRunner.Run(dir.Path, ["spectral", "--checkpoints", files[0], missing, files[2], "--window", "2"]);
        Assert.Equal(2, code);
        Assert.Contains("has no tensor 'block.mlp.weight'", stderr);

        (code, _, stderr) = CliRunner.Run(dir.Path, ["spectral", "--checkpoints", files[0], files[1], "--window", "2"]);
        Assert.Equal(2, code);
        Assert.Contains("at least 3 checkpoints", stderr);

        (code, _, stderr) = CliRunner.Run(dir.Path, ["spectral", "--checkpoints", .. files, "--window", "2", "--tensors", "zzz"]);
        Assert.Equal(2, code);
        Assert.Contains("No tensor matches 'zzz'", stderr);
        foreach (var r in rows) r.Dispose();
    }
}

public class GrokSpectralOptionTests
{
    [Theory]
    [InlineData("--spectral-tensors", "nomatch", "No tensor matches 'nomatch'")]
    [InlineData("--spectral-sketch", "99999999", "below the watched parameter count P = 131072")]
    [InlineData("--spectral-window", "1", "--spectral-window 1: must be an integer in 2 … 10000")]
    [InlineData("--gap-open", "1.1", "collapse < open")]
    public void BadSpectralOptionsExitWith2AndCreateNothing(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        var outDir = Path.Combine(dir.Path, "runs");
        var (code, _, stderr) = CliRunner.Run(dir.Path, "grok", "--steps", "5", "--spectral", option, value, "--out", outDir, "--name", "r");
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.False(Directory.Exists(Path.Combine(outDir, "r")));
    }
}

public class CorrelateCommandTests
{
    [Fact]
    public void BestLagAndCorrelationMatchTheConstruction()
    {
        // x recorded every 100 steps from 100 to 3000; y = 5 − 2·x two positions later (x leads by 2) → r(+2) = −1.
        using var dir = new TempDirectory();
        var runDir = Path.Combine(dir.Path, "run");
        var rng = new Random(3);
        var x = Enumerable.Range(0, 30).Select(_ => rng.NextDouble()).ToArray();
        using (var store = PhaseScope.Reporting.Store.RunStore.Create(runDir, "run", "test", new Dictionary<string, string>()))
        {
            for (int i = 0; i < 30; i++)
            {
                var records = new List<PhaseScope.Monitoring.MetricRecord> { new((i + 1) * 100, "spectral/gap_ratio", x[i]) };
                if (i >= 2) records.Add(new((i + 1) * 100, "eval/test_loss", 5 - 2 * x[i - 2]));
                store.Write(records);
            }
            store.Write([new PhaseScope.Monitoring.MetricRecord(150, "eval/test_loss", 9)]);   // off the common grid: ignored
            store.Complete("completed", "{}");
        }
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "correlate", runDir, "--metric", "spectral/gap_ratio", "--max-lag", "3", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var r = json.RootElement;
        Assert.Equal(28, r.GetProperty("points").GetInt32());
        Assert.Equal(100, r.GetProperty("step_spacing").GetInt64());
        Assert.Equal(2, r.GetProperty("best_lag").GetInt32());
        Assert.Equal(-1.0, r.GetProperty("best_r").GetDouble(), 1e-9);
        Assert.Equal(7, r.GetProperty("by_lag").GetArrayLength());

        (code, _, stderr) = CliRunner.Run(dir.Path, "correlate", runDir, "--metric", "spectral/nope");
        Assert.Equal(2, code);
        Assert.Contains("no metric 'spectral/nope'", stderr);
    }
}
