using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Tests.SpectralEdge;

/// <summary>
/// <see cref="DirectionImportance"/> and <see cref="DecompositionWindow"/> (seed 001 §28, Test 8) on a trajectory whose
/// answer is worked out by hand: six updates, W = 6, along three orthogonal unit directions e₁, e₂, e₃ of ℝ⁸,
/// δ = 5e₁, 2e₂, 1e₃ (the half before t) then 4e₁, 1e₂, 3e₃ (the half after t). Then σ² = 41 (e₁), 10 (e₃), 5 (e₂);
/// the halves order their directions e₁, e₂, e₃ and e₁, e₃, e₂, so γ̂ = 1, |⟨e₂, e₃⟩| = 0, 0. The test loss is
/// L = ½‖θ‖² (∇L = θ) at θ_t = (2, −1, 3, 5, 0, …), the train gradient (1, 2, −1, 7, 0, …), η = 0.1.
/// </summary>
public class DirectionImportanceTests
{
    static Tensor Vec(params double[] head)
    {
        var v = new double[8];
        head.CopyTo(v, 0);
        return tensor(v, ScalarType.Float64);
    }

    static void Close(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    static DirectionImportance Scored()
    {
        using var window = new TrajectoryWindow(6, 8, ScalarType.Float64);
        Tensor[] updates = [Vec(5), Vec(0, 2), Vec(0, 0, 1), Vec(4), Vec(0, 1), Vec(0, 0, 3)];
        for (int i = 0; i < updates.Length; i++) Assert.True(window.Push(updates[i], 100 * (i + 1)).Accepted);
        using var testGradient = Vec(2, -1, 3, 5);
        using var trainGradient = Vec(1, 2, -1, 7);
        using var half = Vec(4, 1, 3);                 // δ₄ + δ₅ + δ₆
        using var next = Vec(6, -4, 3, 7);             // the forward half, then 2e₁ − 5e₂ + 7e₄ (e₄ is outside the window's span)
        return DirectionImportance.Score(window.Gram(), window.Project(trainGradient), window.Project(testGradient),
            window.Project(half), window.Project(next), 0.1, window.RankTolerance);
    }

    [Fact]
    public void PerDirectionChangesMatchTheHandComputation()
    {
        var d = Scored();
        Assert.Equal(3, d.Modes);
        Close(new[] { Math.Sqrt(41), Math.Sqrt(10), Math.Sqrt(5) }, d.Sigma);
        Close(new[] { 1.0, 0, 0 }, d.Stability);
        // directions e₁, e₃, e₂: a = (1, −1, 2), g = (2, 3, −1) (each up to the sign of v_j, which the products cancel)
        Close(new[] { -0.2, 0.3, 0.2 }, d.PredictedWithout);      // −η a g
        Close(new[] { -0.2, 0, 0 }, d.PredictedWith);             // −η γ̂ a g
        Close(new[] { 8.0, 9, -1 }, d.ActualHalf);                // g · (4, 3, 1)
        Close(new[] { 12.0, 9, 4 }, d.ActualNext);                // g · (6, 3, −4)
        // the window spans the forward half, so its directions carry the whole first-order change ⟨θ_t, Δθ⟩ = 8 − 1 + 9
        Assert.Equal(16, d.ActualHalf.Sum(), 12);
    }

    [Fact]
    public void SpearmanRhoMatchesTheHandComputation()
    {
        var d = Scored();
        // without: ranks (1, 3, 2) against (2, 3, 1): 1 − 6·2/(3·8) = 0.5; against next (3, 2, 1): 1 − 6·6/24 = −0.5
        Assert.Equal(0.5, d.RhoWithout, 12);
        Assert.Equal(-0.5, d.RhoWithoutNext, 12);
        // with: mid-ranks (1, 2.5, 2.5), centred (−1, ½, ½): against (0, 1, −1) the sum is 0; against (1, 0, −1) −1.5/√(1.5·2)
        Assert.Equal(0, d.RhoWith, 12);
        Assert.Equal(-1.5 / Math.Sqrt(3), d.RhoWithNext, 12);
    }

    [Fact]
    public void WindowArithmeticAtTheRunEdges()
    {
        var w = DecompositionWindow.Of(500, 10, 50);
        Assert.Equal((250L, 750L, 1000L, 500L), (w.Start, w.End, w.NextEnd, w.Span));
        Assert.Equal(new long[] { 250, 300, 350, 400, 450, 500, 550, 600, 650, 700, 750 }, w.WindowSteps());
        var grid = Enumerable.Range(1, 20).Select(i => 50L * i).ToHashSet();               // checkpoints 50 … 1000
        Assert.Null(w.FirstMissing(grid));
        Assert.Null(w.FirstMissing(grid.Where(s => s <= 750).ToHashSet()));                // the next window's end is optional
        Assert.Equal(750L, w.FirstMissing(grid.Where(s => s < 750).ToHashSet()));         // the window's end is past the run
        Assert.Equal(250L, w.FirstMissing(grid.Where(s => s > 250).ToHashSet()));          // the window starts before the first checkpoint
        Assert.Equal(350L, w.FirstMissing(grid.Where(s => s != 350).ToHashSet()));         // a hole inside
        // t ∈ [first + (W/2)s, last − (W/2)s]
        Assert.Equal((1050L, 11000L), DecompositionWindow.TimepointRange(40, 50, 50, 12000));
        Assert.Equal((300L, 750L), DecompositionWindow.TimepointRange(10, 50, 50, 1000));
        Assert.Null(DecompositionWindow.Of(300, 10, 50).FirstMissing(grid));
        Assert.Null(DecompositionWindow.Of(750, 10, 50).FirstMissing(grid));
        Assert.Equal(1050L, DecompositionWindow.Of(800, 10, 50).FirstMissing(grid));      // one stride past the last timepoint that fits
        Assert.Equal(0L, DecompositionWindow.Of(250, 10, 50).FirstMissing(grid));          // step 0 (θ₀) is needed and absent
        Assert.Null(DecompositionWindow.Of(250, 10, 50).FirstMissing(grid.Append(0).ToHashSet()));
        Assert.Throws<ArgumentOutOfRangeException>(() => DecompositionWindow.Of(500, 9, 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => DecompositionWindow.Of(500, 2, 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => DecompositionWindow.Of(500, 10, 0));
    }
}
