using PhaseScope.Cli;
using PhaseScope.Cli.Commands;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Tests.Cli;

/// <summary><c>grok --preset seed001-test7</c>: seed 001 §27's "1-layer transformer, 400K parameters".</summary>
public class PresetTests
{
    /// <summary>The preset's shape counted by hand: attention 4(d² + d), MLP 2·d·d_ff + d_ff + d, two LayerNorms 4d, token
    /// embedding V·d, position embedding C·d, final LayerNorm 2d, unembedding d·K + K; at p = 97 (V, C, K from the task)
    /// this is within 5 % of 400K, and the built model has exactly that many parameters.</summary>
    [Fact]
    public void Seed001Test7IsAOneLayer400KModel()
    {
        var d = TaskDefaults.WithPreset("modular", "seed001-test7", TaskDefaults.For("modular"));
        Assert.Equal((1, 176, 4, 704), (d.Layers, d.DModel, d.Heads, d.DFf));
        using var task = ModularArithmetic.Create(97, ModularOperation.Add, 0.5, 1);
        long dm = d.DModel, ff = d.DFf, v = task.VocabularySize, c = task.ContextLength, k = task.ClassCount;
        long byHand = 4 * (dm * dm + dm) + 2 * dm * ff + ff + dm + 4 * dm + v * dm + c * dm + 2 * dm + dm * k + k;
        using var model = TransformerConfig.For(task, d.Layers, d.DModel, d.Heads, d.DFf).CreateModel();
        Assert.Equal(byHand, model.parameters().Sum(p => p.numel()));
        Assert.InRange(byHand, 380_000, 420_000);
    }

    [Fact]
    public void UnknownOrMisappliedPresetsAreRefused()
    {
        Assert.Contains("Known: seed001-test7", Assert.Throws<UsageException>(() => TaskDefaults.WithPreset("modular", "big", TaskDefaults.For("modular"))).Message);
        Assert.Contains("does not apply to --task dyck", Assert.Throws<UsageException>(() => TaskDefaults.WithPreset("dyck", "seed001-test7", TaskDefaults.For("dyck"))).Message);
    }
}
