using System.Text.Json;
using PhaseScope.Checkpoints;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Cli;

public class ConsolidationCommandTests
{
    [Fact]
    public void JsonMatchesAFloat64ReferenceOfTheSamples()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var g = new Generator(17);
        int n = 6;
        var w = randn([n, 4, 5], ScalarType.Float32, generator: g) * 0.1 + 0.05;
        var b = randn([n, 300], ScalarType.Float32, generator: g) * 0.2;
        var path = dir.File("grads.safetensors");
        Safetensors.Save(path, [("layer.weight", w), ("layer.bias", b)]);

        var all = cat([w.reshape(n, -1), b], 1).to_type(ScalarType.Float64);
        double signal = all.mean([0]).square().sum().item<double>();
        double noise = all.var(0, unbiased: true).sum().item<double>();
        double c = signal / noise;
        // Hill on |mean| with k = 20, computed here from the sorted magnitudes.
        var top = all.mean([0]).abs().sort(descending: true).Values.narrow(0, 0, 21).data<double>().ToArray();
        double hill = 1 / Enumerable.Range(0, 20).Average(i => Math.Log(top[i] / top[20]));

        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "consolidation", "--grads", path, "--tail-k", "20", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var r = json.RootElement;
        Assert.Equal(n, r.GetProperty("n_samples").GetInt32());
        Assert.Equal(signal, r.GetProperty("signal").GetDouble(), signal * 1e-9);
        Assert.Equal(noise, r.GetProperty("noise").GetDouble(), noise * 1e-9);
        Assert.Equal(c, r.GetProperty("c_alpha").GetDouble(), c * 1e-9);
        Assert.Equal((signal - noise / n) / noise, r.GetProperty("c_alpha_unbiased").GetDouble(), 1e-9);
        Assert.Equal(c / (1 + c), r.GetProperty("p").GetDouble(), 1e-9);
        Assert.Equal(hill, r.GetProperty("tail_index").GetDouble(), hill * 1e-9);
        Assert.Equal(Math.Clamp(hill, 1, 2), r.GetProperty("tail_index_clipped").GetDouble(), 1e-9);
        Assert.Equal(2, r.GetProperty("tensors").GetArrayLength());
    }

    [Fact]
    public void ZeroGradientsGiveDefinedValues()
    {
        using var dir = new TempDirectory();
        var path = dir.File("zero.safetensors");
        using (var z = zeros(3, 10)) Safetensors.Save(path, [("w", z)]);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "consolidation", "--grads", path, "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(0, json.RootElement.GetProperty("c_alpha").GetDouble());
        Assert.Equal(0, json.RootElement.GetProperty("p").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("tail_index").ValueKind);
    }

    [Fact]
    public void BadInputsExitWith2AndNameTheProblem()
    {
        using var dir = new TempDirectory();
        var one = dir.File("one.safetensors");
        using (var t = ones(1, 5)) Safetensors.Save(one, [("w", t)]);
        var mixed = dir.File("mixed.safetensors");
        using (var a = ones(4, 5))
        using (var b = ones(3, 2)) Safetensors.Save(mixed, [("a", a), ("b", b)]);
        var garbage = dir.File("garbage.safetensors");
        File.WriteAllText(garbage, "not a safetensors file");

        foreach (var (args, expected) in new (string[], string)[]
        {
            (["--grads", one], "at least 2"),
            (["--grads", mixed], "same n samples"),
            (["--grads", dir.File("missing.safetensors")], "does not exist"),
            (["--grads", garbage], "safetensors"),
            (["--grads", mixed, "--tail-k", "0"], "--tail-k"),
        })
        {
            var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["consolidation", .. args, "--json"]);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}\n{stderr}");
            Assert.Contains(expected, stderr);
            Assert.Equal("", stdout);
        }
    }

    [Theory]
    [InlineData("unknown method", "is not a method", "--consolidation", "foo")]
    [InlineData("indivisible batch", "divisible by 7", "--consolidation", "micro", "--consolidation-samples", "7")]
    [InlineData("one sample", "--consolidation-samples 1: must be an integer in 2 … 4096", "--consolidation-samples", "1")]
    [InlineData("bad bands", "must end at 'inf'", "--adaptive-lr", "--lr-bands", "0.5:1")]
    [InlineData("bands without adaptive", "only applies with --adaptive-lr", "--lr-bands", "inf:1")]
    [InlineData("bad criterion", "unknown criterion", "--early-stop", "--early-stop-criteria", "low-p,sometimes")]
    public void BadConsolidationOptionsExitWith2AndWriteNothing(string caseName, string expected, params string[] args)
    {
        using var dir = new TempDirectory();
        var outDir = Path.Combine(dir.Path, "out");
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["grok", "--out", outDir, "--steps", "5", .. args]);
        Assert.True(code == 2, $"{caseName}: exit {code}\n{stdout}\n{stderr}");
        Assert.Contains(expected, stderr);
        Assert.False(Directory.Exists(outDir), $"{caseName}: {outDir} was created");
    }

    [Fact]
    public void ProgressLinesShowTheLatestPAndCurvature()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "grok", "--p", "13", "--steps", "20", "--batch-size", "32", "--d-model", "32",
            "--eval-every", "10", "--consolidation", "micro", "--consolidation-every", "5", "--curvature", "--curvature-every", "10",
            "--lanczos-iterations", "3", "--out", dir.Path, "--name", "lines");
        Assert.True(code == 0, stderr);
        var last = stdout.Split('\n').Last(l => l.StartsWith("step"));
        Assert.Matches(@"step +20/20 .* p [01](\.\d+)?  λmax \S+", last);
    }

    [Fact]
    public void GrokWithControllersRecordsTheirEvents()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "grok", "--p", "13", "--steps", "40", "--batch-size", "32", "--d-model", "32",
            "--consolidation-every", "5", "--adaptive-lr", "--lr-bands", "inf:0.5", "--curvature", "--curvature-every", "20",
            "--lanczos-iterations", "5", "--out", dir.Path, "--name", "ctl", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(40, json.RootElement.GetProperty("steps").GetInt32());
        using var reader = PhaseScope.Reporting.Store.RunReader.Open(Path.Combine(dir.Path, "ctl"));
        Assert.Contains(reader.Events(), e => e.Event.Kind == "lr_changed" && e.Event.Step == 5);
        Assert.Equal(8, reader.Series("consolidation/p_step").Count);
        Assert.Equal(2, reader.Series("curvature/lambda_max").Count);
        // I needs λ_max: from the first curvature measurement (step 20) on, at steps 20, 25, …, 40.
        Assert.Equal(5, reader.Series("consolidation/intelligence").Count);
    }

    /// <summary>The default schedules (issue 8's ≤ 3 %): C_α every 100 steps and λ_max every 2,000 unless a controller acts
    /// on C_α, which then keeps every 10.</summary>
    [Theory]
    [InlineData("100", "--consolidation", "micro")]
    [InlineData("10", "--early-stop")]
    [InlineData("10", "--adaptive-lr")]
    public void DefaultSchedulesAreSparseUnlessAControllerNeedsC(string every, params string[] args)
    {
        using var dir = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run(dir.Path, ["grok", "--p", "13", "--steps", "2", "--batch-size", "32", "--d-model", "32", "--curvature",
            "--checkpoint-every", "0", "--no-report", "--out", dir.Path, "--name", "d", .. args]);
        Assert.True(code == 0, stderr);
        using var reader = PhaseScope.Reporting.Store.RunReader.Open(Path.Combine(dir.Path, "d"));
        Assert.Equal(every, reader.Config()["consolidation_every"]);
        Assert.Equal("2000", reader.Config()["curvature_every"]);
    }
}
