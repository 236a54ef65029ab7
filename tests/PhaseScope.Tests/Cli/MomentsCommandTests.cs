using System.Text.Json;
using PhaseScope.Checkpoints;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Cli;

public class MomentsCommandTests
{
    [Fact]
    public void JsonHasTheIssueKeysWithClosedFormValues()
    {
        // θ = [2, 1, 0.5, 0.25], g = [3, 1, 2, 0.5] (split over two tensors): J = I = {0}, m∩ = 1, β = log 2, R* = log(1/4).
        using var dir = new TempDirectory();
        var p = dir.File("p.safetensors");
        var g = dir.File("g.safetensors");
        Safetensors.Save(p, [("a.weight", tensor(new float[] { 2, -1 })), ("b.weight", tensor(new float[] { 0.5f, 0.25f }))]);
        Safetensors.Save(g, [("a.weight", tensor(new float[] { 3, 1 })), ("b.weight", tensor(new float[] { -2, 0.5f }))]);
        var (code, stdout, stderr) = CliRunner.Run(dir.Path, ["moments", "--params", p, "--grads", g, "--orders", "0:8:5", "--json"]);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var r = json.RootElement;
        Assert.Equal(4, r.GetProperty("n").GetInt64());
        Assert.Equal(Math.Log(2), r.GetProperty("beta").GetDouble(), 9);
        Assert.Equal(Math.Log(0.25), r.GetProperty("r_star").GetDouble(), 9);
        Assert.Equal(1, r.GetProperty("m").GetInt64());
        Assert.Equal(Math.Log(3), r.GetProperty("beta_g").GetDouble(), 9);
        Assert.Equal(1, r.GetProperty("m_cap").GetInt64());
        Assert.Equal(0, r.GetProperty("d0").GetDouble());
        Assert.Equal("ordered", r.GetProperty("phase").GetString());
        Assert.True(r.GetProperty("upper_bound_holds").GetBoolean());
        Assert.Equal(Math.Log((16 + 1 + 0.0625 + 0.00390625) / 4), r.GetProperty("log_m").GetProperty("4").GetDouble(), 6);
        Assert.Equal(Math.Log((81 + 1 + 16 + 0.0625) / 4), r.GetProperty("log_g").GetProperty("4").GetDouble(), 6);
        var c22 = r.GetProperty("coupling").EnumerateArray().Single(e => e.GetProperty("k").GetDouble() == 2 && e.GetProperty("l").GetDouble() == 2).GetProperty("c").GetDouble();
        double z = (36 + 1 + 1 + 0.015625) / 4, m = (4 + 1 + 0.25 + 0.0625) / 4, gg = (9 + 1 + 4 + 0.25) / 4;
        Assert.Equal(Math.Log(z) - Math.Log(m) - Math.Log(gg), c22, 5);
        Assert.True(r.TryGetProperty("q_alpha", out _));
        Assert.True(r.TryGetProperty("r_star_g", out _));
        Assert.True(r.TryGetProperty("m_g", out _));
        // Ranks of |θ| (4, 3, 2, 1) and |g| (4, 2, 3, 1): Σd² = 2, so ρ = 1 − 6·2/(4·15) = 0.8.
        Assert.Equal(0.8, r.GetProperty("spearman").GetDouble(), 9);
        // (λ, μ) = (log 2/|θ|, log 3/|g|): only pair 0 lies in the origin cell [0, 0.5)².
        var plane = r.GetProperty("spectral_plane");
        Assert.Equal(0.25, plane.GetProperty("origin_mass").GetDouble(), 12);
        Assert.Equal(4, plane.GetProperty("cells").EnumerateArray().Sum(c => c.GetProperty("count").GetInt64()));
        Assert.Equal(4, r.GetProperty("rank_sample").GetProperty("points").GetArrayLength());
    }

    [Fact]
    public void MismatchedNamesOrShapesAreClearErrors()
    {
        using var dir = new TempDirectory();
        var p = dir.File("p.safetensors");
        Safetensors.Save(p, [("a.weight", tensor(new float[] { 2, -1 }))]);
        var other = dir.File("g.safetensors");
        Safetensors.Save(other, [("b.weight", tensor(new float[] { 3, 1 }))]);
        var (code, _, stderr) = CliRunner.Run(dir.Path, ["moments", "--params", p, "--grads", other]);
        Assert.Equal(2, code);
        Assert.Contains("no tensor 'a.weight'", stderr);
        Safetensors.Save(other, [("a.weight", tensor(new float[] { 3, 1, 2 }))]);
        (code, _, stderr) = CliRunner.Run(dir.Path, ["moments", "--params", p, "--grads", other]);
        Assert.Equal(2, code);
        Assert.Contains("shape", stderr);
        (code, _, stderr) = CliRunner.Run(dir.Path, ["moments", "--params", p, "--orders", "5:1:3"]);
        Assert.Equal(2, code);
        Assert.Contains("START ≤ STOP", stderr);
        (code, _, stderr) = CliRunner.Run(dir.Path, ["moments", "--params", p, "--sample", "-1"]);
        Assert.Equal(2, code);
        Assert.Contains("--sample", stderr);
        Safetensors.Save(other, [("a.weight", tensor(new float[] { float.NaN, 1 }))]);
        (code, _, stderr) = CliRunner.Run(dir.Path, ["moments", "--params", p, "--grads", other]);
        Assert.Equal(2, code);
        Assert.Contains("NaN or ±Inf", stderr);
    }

    [Fact]
    public void IdxReaderRejectsTruncatedAndWrongFiles()
    {
        using var dir = new TempDirectory();
        var images = dir.File("img");
        IdxFile.Write(images, [2, 2, 3], Enumerable.Range(0, 12).Select(i => (byte)i).ToArray());
        var read = IdxFile.ReadImages(images);
        Assert.Equal((2, 2, 3, (byte)11), (read.Count, read.Rows, read.Columns, read.Pixels[11]));
        var labels = dir.File("lab");
        IdxFile.Write(labels, [3], [7, 0, 9]);
        Assert.Equal(new byte[] { 7, 0, 9 }, IdxFile.ReadLabels(labels));
        Assert.Contains("dimension", Assert.Throws<IdxFormatException>(() => IdxFile.ReadImages(labels)).Message);
        File.WriteAllBytes(dir.File("short"), File.ReadAllBytes(images)[..^1]);
        Assert.Contains("truncated", Assert.Throws<IdxFormatException>(() => IdxFile.ReadImages(dir.File("short"))).Message);
        File.WriteAllBytes(dir.File("gz"), [0x1F, 0x8B, 8, 0, 0, 0]);
        Assert.Contains("gzip", Assert.Throws<IdxFormatException>(() => IdxFile.ReadLabels(dir.File("gz"))).Message);
        var (code, _, stderr) = CliRunner.Run(dir.Path, ["forget", "--mnist", dir.Path, "--epochs", "1"]);
        Assert.Equal(2, code);
        Assert.Contains("lacks", stderr);
    }
}
