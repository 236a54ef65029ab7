using PhaseScope.Training;
using PhaseScope.Training.Ablation;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>Test 8's ablation when the watched set is one tensor (the library's <c>TensorPattern</c>).</summary>
public class DirectionAblationTests
{
    /// <summary>
    /// With a single watched tensor the window must still hold that tensor's updates: its singular values are positive
    /// (AdamW moves every weight of a trained projection) and removing the top direction removes part of each update.
    /// A snapshot that aliased the live parameter would give an all-zero window and remove nothing.
    /// </summary>
    [Fact]
    public void OneWatchedTensorStillGivesItsUpdates()
    {
        using var dir = new TempDirectory();
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 3);
        var options = new DirectionAblation.Options(At: 20, Span: 5, TopK: 1, RandomRepeats: 0, Window: 4, Stride: 5,
            TensorPattern: @"(^|\.)q_proj\.weight$");   // one layer: one tensor
        var result = DirectionAblation.Run(task, () =>
        {
            manual_seed(3);
            return new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        }, new TrainerOptions { BatchSize = 32, EvaluateEvery = 10 }, options, dir.Path);
        Assert.Equal(16L * 16, result.WatchedParameters);
        Assert.All(result.Sigma, s => Assert.True(s > 0, $"σ = {s}: the window holds no update"));
        Assert.True(result.Arms.Single(a => a.Name == "top-1").RemovedFraction > 0);
    }

    /// <summary>
    /// The matched arm is the control for "removing that much update": at every step of the span it removes, along a
    /// random direction, the norm the top-k arm removed at the same step, so the two arms' removed norms summed over the
    /// span are equal (to float32 rounding of the rescaled direction). Matching the matched arm's own projection instead
    /// removes less, because an arm that keeps its top directions moves along them and its gradient there shrinks.
    /// </summary>
    [Fact]
    public void MatchedArmRemovesTheNormTheTopArmRemoved()
    {
        using var dir = new TempDirectory();
        using var task = ModularArithmetic.Create(13, ModularOperation.Add, 0.5, dataSeed: 5);
        var options = new DirectionAblation.Options(At: 20, Span: 10, TopK: 2, RandomRepeats: 2, Window: 4, Stride: 5);
        var result = DirectionAblation.Run(task, () =>
        {
            manual_seed(5);
            return new PreNormTransformer(TransformerConfig.For(task, layers: 1, dModel: 16, heads: 2, dFf: 32));
        }, new TrainerOptions { BatchSize = 32, EvaluateEvery = 10 }, options, dir.Path);
        var top = result.Arms.Single(a => a.Name == "top-2");
        Assert.True(top.RemovedNorm > 0, "the top arm removed nothing");
        foreach (var matched in result.Arms.Where(a => a.Name.StartsWith("matched-", StringComparison.Ordinal)))
            Assert.Equal(1.0, matched.RemovedNorm / top.RemovedNorm, 4);
        Assert.Equal(2, result.Arms.Count(a => a.Name.StartsWith("matched-", StringComparison.Ordinal)));
        Assert.Equal(0, result.Arms.Single(a => a.Name == "none").RemovedNorm);
    }
}
