using PhaseScope.Cli;
using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Cli.Commands.Grok.Tasks;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Tests.Cli;

/// <summary><c>grok --preset seed001-test7</c>: seed 001 §27's "1-layer transformer, 400K parameters".</summary>
public class PresetTests
{
    static TaskDefaults Preset(string task, string name) => GrokTasks.WithPreset(GrokTasks.Named(task), name, GrokTasks.Named(task).Defaults);

    /// <summary>The preset's shape counted by hand: attention 4(d² + d), MLP 2·d·d_ff + d_ff + d, two LayerNorms 4d, token
    /// embedding V·d, position embedding C·d, final LayerNorm 2d, unembedding d·K + K; at p = 97 (V, C, K from the task)
    /// this is within 5 % of 400K, and the built model has exactly that many parameters.</summary>
    [Fact]
    public void Seed001Test7IsAOneLayer400KModel()
    {
        var d = Preset("modular", "seed001-test7");
        Assert.Equal((1, 176, 4, 704), (d.Layers, d.DModel, d.Heads, d.DFf));
        using var task = ModularArithmetic.Create(97, ModularOperation.Add, 0.5, 1);
        long dm = d.DModel, ff = d.DFf, v = task.VocabularySize, c = task.ContextLength, k = task.ClassCount;
        long byHand = 4 * (dm * dm + dm) + 2 * dm * ff + ff + dm + 4 * dm + v * dm + c * dm + 2 * dm + dm * k + k;
        using var model = TransformerConfig.For(task, d.Layers, d.DModel, d.Heads, d.DFf).CreateModel();
        Assert.Equal(byHand, model.parameters().Sum(p => p.numel()));
        Assert.InRange(byHand, 380_000, 420_000);
    }

    static long ByHand(long layers, long dm, long ff, long v, long c, long k) =>
        layers * (4 * (dm * dm + dm) + 2 * dm * ff + ff + dm + 4 * dm) + v * dm + c * dm + 2 * dm + dm * k + k;

    /// <summary>The language-model presets (issue 23): lm-tiny, the lm default, is built and has exactly the hand count
    /// (4 layers of d 128, d_ff 512, byte vocabulary 256, context 128: 875,520); lm-51m (7 × 768, d_ff 3,072, context
    /// 256) counts 50.0 M by the same formula, seed 001's TinyStories 51M scale.</summary>
    [Fact]
    public void LanguageModelPresetsHaveTheirSize()
    {
        var tiny = Preset("lm", "lm-tiny");
        Assert.Equal(GrokTasks.Named("lm").Defaults, tiny);
        Assert.Equal(875_520, ByHand(tiny.Layers, tiny.DModel, tiny.DFf, 256, tiny.Context, 256));
        using var model = new TransformerConfig(256, 256, tiny.Context, tiny.Layers, tiny.DModel, tiny.Heads, tiny.DFf, true, "gelu").CreateModel();
        Assert.Equal(875_520, model.parameters().Sum(p => p.numel()));
        var big = Preset("lm", "lm-51m");
        Assert.InRange(ByHand(big.Layers, big.DModel, big.DFf, 256, big.Context, 256), 49_500_000, 50_500_000);
    }

    [Fact]
    public void UnknownOrMisappliedPresetsAreRefused()
    {
        Assert.Contains("Known: seed001-test7", Assert.Throws<UsageException>(() => Preset("modular", "big")).Message);
        Assert.Contains("does not apply to --task dyck", Assert.Throws<UsageException>(() => Preset("dyck", "seed001-test7")).Message);
        Assert.Equal("--preset lm-51m is a language-model shape; it applies to --task lm, not --task scan.",
            Assert.Throws<UsageException>(() => Preset("scan", "lm-51m")).Message);
        Assert.Equal("Unknown --preset 'big'. Known: seed001-test7, lm-tiny, lm-51m.", Assert.Throws<UsageException>(() => Preset("lm", "big")).Message);
    }
}
