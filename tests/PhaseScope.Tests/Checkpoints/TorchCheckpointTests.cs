using System.Text.Json;
using PhaseScope.Checkpoints;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Checkpoints;

/// <summary>
/// <see cref="CheckpointFile"/> on files PyTorch itself wrote (Data/make_torch_fixtures.py, torch 1.13 from Debian's
/// python3-torch): every tensor read here matches the sum, sum of squares, first element, dtype and shape that the script
/// computed in float64 from the tensors in torch's memory (Data/expected.json), in both torch.save formats.
/// </summary>
public class TorchCheckpointTests
{
    internal static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Data", name);

    static JsonElement Expected(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Data("expected.json")));
        return doc.RootElement.GetProperty(file).Clone();
    }

    static readonly Dictionary<string, string> DTypes = new()
    {
        ["float32"] = "F32", ["float64"] = "F64", ["float16"] = "F16", ["int64"] = "I64",
    };

    [Theory]
    [InlineData("mlp_bn_zip.pt", CheckpointFormat.TorchZip)]
    [InlineData("mlp_bn_legacy.pt", CheckpointFormat.TorchLegacy)]
    [InlineData("views_zip.pt", CheckpointFormat.TorchZip)]
    [InlineData("views_legacy.pt", CheckpointFormat.TorchLegacy)]
    [InlineData("full_checkpoint.pt", CheckpointFormat.TorchZip)]
    public void TensorsMatchWhatPyTorchHeld(string file, CheckpointFormat format)
    {
        var expected = Expected(file);
        using var scope = NewDisposeScope();
        using var f = CheckpointFile.Open(Data(file));
        Assert.Equal(format, f.Index.Format);
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), f.Index.Entries.Select(e => e.Name));
        foreach (var p in expected.EnumerateObject())
        {
            var e = f.Index.Find(p.Name)!;
            Assert.Equal(DTypes[p.Value.GetProperty("dtype").GetString()!], e.DType);
            Assert.Equal(p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()), e.Shape);
            var t = f.Load(p.Name).to_type(ScalarType.Float64);
            Assert.Equal(e.Shape, t.shape);
            double sum = p.Value.GetProperty("sum").GetDouble(), sumSq = p.Value.GetProperty("sum_sq").GetDouble();
            // float64 sums of the same float32 values: equal up to the summation order's rounding
            Assert.Equal(sum, t.sum().item<double>(), 1e-12 * Math.Max(1, sumSq));
            Assert.Equal(sumSq, t.square().sum().item<double>(), 1e-12 * Math.Max(1, sumSq));
            Assert.Equal(p.Value.GetProperty("first").GetDouble(), t.flatten()[0].item<double>());
        }
    }

    [Fact]
    public void BatchNormCounterIsAnIntegerTensorThatTheFamiliesSkip()
    {
        var index = CheckpointFile.ReadIndex(Data("mlp_bn_zip.pt"));
        var counter = index.Find("1.num_batches_tracked")!;
        Assert.Equal("I64", counter.DType);
        Assert.Empty(counter.Shape);
        using (var f = CheckpointFile.Open(Data("mlp_bn_zip.pt")))
        using (var t = f.Load("1.num_batches_tracked"))
            Assert.Equal(1L, t.item<long>());   // one training-mode forward in the script
        var (floating, note) = CheckpointFile.FloatingPoint(index);
        Assert.DoesNotContain(floating, e => e.Name == "1.num_batches_tracked");
        Assert.Equal(index.Entries.Count - 1, floating.Count);
        Assert.Contains("1.num_batches_tracked I64", note);
    }

    [Fact]
    public void ATrainingCheckpointIsReadFromItsModelKeyAndSaysSo()
    {
        var index = CheckpointFile.ReadIndex(Data("full_checkpoint.pt"));
        Assert.Contains("under key 'model'", index.Note);
        Assert.Contains("optimizer", index.Note);
        Assert.Equal("3", index.Metadata["epoch"]);
        Assert.Equal("1200", index.Metadata["global_step"]);
    }

    [Theory]
    [InlineData("odd_checkpoint.pt", "under 'weights'")]
    [InlineData("list.pt", "holds a list")]
    [InlineData("no_tensors.pt", "holds more than tensors")]
    [InlineData("whole_model.pt", "not a dict of tensors")]
    [InlineData("truncated_zip.pt", "truncated")]
    [InlineData("truncated_legacy.pt", "truncated")]
    public void WhatIsNotAStateDictIsRefusedWithTheReason(string file, string reason)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.ReadIndex(Data(file)));
        Assert.Contains(file, e.Message);
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain("Exception", e.Message);
    }

    [Fact]
    public void FormatIsTakenFromTheContentNotTheExtension()
    {
        using var tmp = new TempDirectory();
        var renamed = tmp.File("weights.safetensors");
        File.Copy(Data("mlp_bn_legacy.pt"), renamed);
        Assert.Equal(CheckpointFormat.TorchLegacy, CheckpointFile.ReadIndex(renamed).Format);
        var st = tmp.File("model.pt");
        using (var t = ones(3))
            Safetensors.Save(st, [("w", t)]);
        Assert.Equal(CheckpointFormat.Safetensors, CheckpointFile.ReadIndex(st).Format);
        File.WriteAllBytes(tmp.File("empty.pt"), []);
        Assert.Contains("empty", Assert.Throws<CheckpointFormatException>(() => CheckpointFile.ReadIndex(tmp.File("empty.pt"))).Message);
        File.WriteAllText(tmp.File("text.pt"), "hello world, not a checkpoint");
        Assert.Contains("not a checkpoint PhaseScope reads", Assert.Throws<CheckpointFormatException>(() => CheckpointFile.ReadIndex(tmp.File("text.pt"))).Message);
    }
}
