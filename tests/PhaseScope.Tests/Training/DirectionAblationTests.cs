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
    /// The matched arm is the control for "removing that much update": at every step of the span it removes, along
    /// random directions of the window's span, the norm the top-k arm removed at the same step, so the two arms' removed norms summed over the
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

    /// <summary>
    /// The removal rule on a hand-built update: δ = (1, 2, 2, 0) and the plane of e₁, e₂, whose part of δ is (1, 2, 0, 0)
    /// of norm √5. Asked to remove norm 3, the rule removes 3·(1, 2, 0, 0)/√5; asked for 0, nothing; and an update with
    /// no part in the plane (0, 0, 0, 5) loses nothing.
    /// </summary>
    [Fact]
    public void MatchedRemovalHasTheAskedNormAlongThePlanesPartOfTheUpdate()
    {
        using var plane = tensor(new float[] { 1, 0, 0, 0, 0, 1, 0, 0 }).reshape(2, 4);
        using var delta = tensor(new float[] { 1, 2, 2, 0 });
        using var removed = NormMatchedRemoval.Removed(plane, delta, 3);
        double r5 = Math.Sqrt(5);
        var got = removed.data<float>().ToArray();
        double[] expected = [3 / r5, 6 / r5, 0, 0];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], got[i], 5);
        Assert.Equal(3.0, removed.norm().item<float>(), 5);
        using var none = NormMatchedRemoval.Removed(plane, delta, 0);
        Assert.Equal(0.0, none.norm().item<float>());
        using var outside = tensor(new float[] { 0, 0, 0, 5 });
        using var untouched = NormMatchedRemoval.Removed(plane, outside, 3);
        Assert.Equal(0.0, untouched.norm().item<float>());
    }

    /// <summary>
    /// A plane drawn in the span of the rows (e₁ + e₂)/√2 and e₃ of ℝ⁵: its two rows are orthonormal and have no part
    /// along e₄, e₅ or e₁ − e₂ (the complement of the span), and its removal of a given norm from any update has that
    /// norm: with the top arm's norms 0.7 and 0.2 replayed, the removed norms sum to 0.9.
    /// </summary>
    [Fact]
    public void PlaneInTheWindowsSpanIsOrthonormalAndStaysInIt()
    {
        float h = (float)Math.Sqrt(0.5);
        using var directions = tensor(new float[] { h, h, 0, 0, 0, 0, 0, 1, 0, 0 }).reshape(2, 5);
        var plane = NormMatchedRemoval.RandomPlaneInSpan(directions, 2, new TorchSharp.torch.Generator(11));
        using (plane)
        {
            using var gram = plane.matmul(plane.t());
            var g = gram.data<float>().ToArray();
            Assert.Equal(1.0, g[0], 5);
            Assert.Equal(0.0, g[1], 5);
            Assert.Equal(1.0, g[3], 5);
            using var complement = tensor(new float[] { h, -h, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1 }).reshape(3, 5);
            using var leak = plane.matmul(complement.t());
            Assert.True(leak.abs().max().item<float>() < 1e-6, "the plane leaves the window's span");
            using var d1 = tensor(new float[] { 0.3f, -1, 2, 4, 1 });
            using var d2 = tensor(new float[] { 5, 1, -1, 0, 2 });
            using var r1 = NormMatchedRemoval.Removed(plane, d1, 0.7);
            using var r2 = NormMatchedRemoval.Removed(plane, d2, 0.2);
            Assert.Equal(0.9, r1.norm().item<float>() + r2.norm().item<float>(), 5);
        }
    }

    /// <summary>Hostile inputs to the removal rule are refused in C# before any native call (a mismatched matmul would
    /// abort the process): an update of the wrong length, a plane with more directions than the span, and a non-finite
    /// norm (removes nothing).</summary>
    [Fact]
    public void MatchedRemovalRefusesMismatchedShapesBeforeTorch()
    {
        using var plane = eye(2, 4);
        using var shortDelta = tensor(new float[] { 1, 2, 3 });
        Assert.Throws<ArgumentException>(() => NormMatchedRemoval.Removed(plane, shortDelta, 1));
        using var delta = tensor(new float[] { 1, 2, 3, 4 });
        using var nan = NormMatchedRemoval.Removed(plane, delta, double.NaN);
        Assert.Equal(0.0, nan.abs().sum().item<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => NormMatchedRemoval.RandomPlaneInSpan(plane, 3, new TorchSharp.torch.Generator(1)));
    }
}
