using System.Text.Json;
using PhaseScope.Checkpoints;
using PhaseScope.Tests.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Cli;

/// <summary>A state dict of a model with BatchNorm holds its running statistics (F32) and its counter (I64): the offline
/// spectral and moments commands skip them with a note and measure the parameters alone.</summary>
public class BatchNormCheckpointTests
{
    [Fact]
    public void SpectralSkipsTheBuffersAndRecoversThePlantedSpectrum()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        double[] sigma = [8, 4, 3, 0.5];
        var rows = Planted.Rows(sigma, 60, 5);
        using var g = new Generator(9);
        var theta = randn([60], ScalarType.Float64, generator: g);
        var files = new List<string>();
        for (int i = 0; i <= rows.Length; i++)
        {
            if (i > 0) theta = theta.add(rows[i - 1]);
            var path = dir.File($"step{i}.safetensors");
            Safetensors.Save(path, [
                ("conv.weight", theta.reshape(6, 10).to_type(ScalarType.Float32)),
                ("bn.running_mean", randn([6], generator: g)),          // moves at random: would break the planted spectrum
                ("bn.running_var", rand([6], generator: g)),
                ("bn.num_batches_tracked", tensor((long)i * 100))]);      // I64: refused before
            files.Add(path);
        }
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["spectral", "--checkpoints", .. files, "--window", "4", "--json"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("2 normalisation buffers left out (bn.running_mean, bn.running_var)", stderr);   // the I64 counter is left out as a non-floating tensor
        using var json = JsonDocument.Parse(stdout);
        var got = Assert.Single(json.RootElement.EnumerateArray()).GetProperty("sigma").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int j = 0; j < 4; j++) Assert.Equal(sigma[j], got[j], 1e-4 * sigma[0]);
        foreach (var r in rows) r.Dispose();
    }

    [Fact]
    public void MomentsCountsTheParametersOnly()
    {
        using var dir = new TempDirectory();
        var path = dir.File("params.safetensors");
        Safetensors.Save(path, [("fc.weight", randn(4, 5)), ("bn.weight", ones(4)), ("bn.running_mean", zeros(4)),
            ("bn.running_var", ones(4)), ("bn.num_batches_tracked", tensor(7L))]);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["moments", "--params", path, "--json"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("2 normalisation buffers left out (bn.running_mean, bn.running_var)", stderr);   // the I64 counter is left out as a non-floating tensor
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(["fc.weight", "bn.weight"], json.RootElement.GetProperty("tensors").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(24, json.RootElement.GetProperty("n").GetInt64());   // 20 + 4 parameters, not the 12 buffer entries
    }
}
