using System.Text.Json;
using PhaseScope.Checkpoints;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Cli;

/// <summary>
/// Issue 24 items 7 and 8: all-zero tensors, NaN/±Inf and float64 values beyond float32's range in the offline
/// commands. Undefined figures are null in valid JSON with the reason said; finite float64 values of any size give the
/// values that scale invariance predicts from the unscaled data.
/// </summary>
public class DegenerateNumbersTests
{
    [Fact]
    public void AllZeroThetaIsValidJsonWithUndefinedExtremaAndNoPhase()
    {
        using var dir = new TempDirectory();
        var p = dir.File("zero.safetensors");
        var g = dir.File("g.safetensors");
        using (var z = zeros(2, 3)) Safetensors.Save(p, [("w", z)]);
        using (var t = tensor(new float[] { 1, -2, 3, 0.5f, 0.25f, 2 }).reshape(2, 3)) Safetensors.Save(g, [("w", t)]);

        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "moments", "--params", p, "--json");
        Assert.True(code == 0, stderr);
        using (var json = JsonDocument.Parse(stdout))
        {
            var r = json.RootElement;
            Assert.Equal(JsonValueKind.Null, r.GetProperty("beta").ValueKind);   // log 0 = −∞
            Assert.Equal(JsonValueKind.Null, r.GetProperty("m").ValueKind);      // not "all 6 elements are maximal"
            Assert.Contains("θ is all zero", r.GetProperty("degenerate").GetString());
        }

        (code, stdout, stderr) = CliRunner.Run(dir.Path, "moments", "--params", p, "--grads", g, "--json");
        Assert.True(code == 0, stderr);
        using (var json = JsonDocument.Parse(stdout))
        {
            var r = json.RootElement;
            Assert.Equal("undefined", r.GetProperty("phase").GetString());   // was "ordered"
            Assert.Equal(JsonValueKind.Null, r.GetProperty("m_cap").ValueKind);
        }

        // Zero gradients: the same from the other side, and the table (no --json) says so too.
        (code, stdout, stderr) = CliRunner.Run(dir.Path, "moments", "--params", g, "--grads", p);
        Assert.True(code == 0, stderr);
        Assert.Contains("g is all zero", stdout);
        Assert.Contains("undefined", stdout);
        Assert.DoesNotContain("ordered", stdout);
    }

    [Fact]
    public void Float64ValuesBeyondFloat32GiveTheScaledClosedForm()
    {
        // θ = [2, 1, 0.5, 0.25], g = [3, 1, 2, 0.5] times 1e200 (float64). C(k, l) = log Z − log M − log G is invariant
        // under θ → aθ, g → bg, so C(2, 2) is the unscaled closed form; β = log 2 + log 1e200.
        using var dir = new TempDirectory();
        var p = dir.File("p.safetensors");
        var g = dir.File("g.safetensors");
        using (var t = tensor(new double[] { 2e200, -1e200, 0.5e200, 0.25e200 })) Safetensors.Save(p, [("w", t)]);
        using (var t = tensor(new double[] { 3e200, 1e200, -2e200, 0.5e200 })) Safetensors.Save(g, [("w", t)]);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "moments", "--params", p, "--grads", g, "--orders", "0:8:5", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var r = json.RootElement;
        Assert.Equal(Math.Log(2e200), r.GetProperty("beta").GetDouble(), 9);
        Assert.Equal("ordered", r.GetProperty("phase").GetString());
        var c22 = r.GetProperty("coupling").EnumerateArray().Single(e => e.GetProperty("k").GetDouble() == 2 && e.GetProperty("l").GetDouble() == 2).GetProperty("c").GetDouble();
        double z = (36 + 1 + 1 + 0.015625) / 4, m = (4 + 1 + 0.25 + 0.0625) / 4, gg = (9 + 1 + 4 + 0.25) / 4;
        Assert.Equal(Math.Log(z) - Math.Log(m) - Math.Log(gg), c22, 6);
    }

    [Fact]
    public void ConsolidationOfHugeSamplesIsTheUnscaledRatio()
    {
        // Samples x_j (4 × 3) and 1e200·x_j: C_α = ‖x̄‖² / Tr Σ̂ is scale-free, computed here from the small samples.
        double[,] x = { { 1, -2, 3 }, { 0.5, 0.25, 2 }, { 1, 1, -1 }, { 2, 3, 0.1 } };
        double signal = 0, noise = 0;
        for (int c = 0; c < 3; c++)
        {
            double mean = 0;
            for (int j = 0; j < 4; j++) mean += x[j, c] / 4;
            signal += mean * mean;
            for (int j = 0; j < 4; j++) noise += (x[j, c] - mean) * (x[j, c] - mean) / 3;
        }
        using var dir = new TempDirectory();
        var path = dir.File("big.safetensors");
        var values = new double[12];
        for (int j = 0; j < 4; j++) for (int c = 0; c < 3; c++) values[j * 3 + c] = x[j, c] * 1e200;
        using (var t = tensor(values).reshape(4, 3)) Safetensors.Save(path, [("w", t)]);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "consolidation", "--grads", path, "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var r = json.RootElement;
        Assert.Equal(signal / noise, r.GetProperty("c_alpha").GetDouble(), 1e-12);
        Assert.Equal(signal / noise / (1 + signal / noise), r.GetProperty("p").GetDouble(), 1e-12);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("signal").ValueKind);   // 1e400 is beyond float64
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void ConsolidationOfNonFiniteSamplesIsExitTwoNamingTheTensor(double bad)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.safetensors");
        using (var t = tensor(new double[] { 1, bad, 3, 0.5 }).reshape(2, 2)) Safetensors.Save(path, [("layer.weight", t)]);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, "consolidation", "--grads", path, "--json");
        Assert.Equal(2, code);
        Assert.Contains("'layer.weight'", stderr);
        Assert.Contains("NaN or ±Inf", stderr);
        Assert.Equal("", stdout);
    }
}
