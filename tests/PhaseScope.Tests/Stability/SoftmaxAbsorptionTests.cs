using PhaseScope.Stability;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Stability;

/// <summary>The absorption rule S ≤ 2^−t against what float32 and float64 actually do, and the margins by hand.</summary>
public class SoftmaxAbsorptionTests
{
    /// <summary>Rows [Δ, 0, −60, …] with target 0: one runner-up at gap Δ, the other classes far below (e^−60 ≪ 2^−24).</summary>
    static (Tensor Logits, Tensor Targets) LoneRunnerUp(double[] gaps, ScalarType dtype, int classes = 5)
    {
        var rows = new double[gaps.Length * classes];
        for (int r = 0; r < gaps.Length; r++)
        {
            rows[r * classes] = gaps[r];
            for (int c = 2; c < classes; c++) rows[r * classes + c] = -60;
        }
        return (tensor(rows, [gaps.Length, classes], dtype), zeros(gaps.Length, ScalarType.Int64));
    }

    [Fact]
    public void TheFloat32ThresholdIs24Ln2()
    {
        Assert.Equal(24 * Math.Log(2), SoftmaxAbsorption.AbsorbingGap(ScalarType.Float32), 1e-12);
        Assert.Equal(16.635532333438686, SoftmaxAbsorption.AbsorbingGap(ScalarType.Float32), 1e-12);
        Assert.Equal(53 * Math.Log(2), SoftmaxAbsorption.AbsorbingGap(ScalarType.Float64), 1e-12);
    }

    [Theory]
    [InlineData(10.0, false)]
    [InlineData(16.5, false)]
    [InlineData(16.6, false)]
    [InlineData(16.67, true)]
    [InlineData(17.0, true)]
    [InlineData(30.0, true)]
    public void Float32AbsorbsALoneRunnerUpBeyond24Ln2(double gap, bool absorbed)
    {
        using var scope = NewDisposeScope();
        var (z, y) = LoneRunnerUp([gap], ScalarType.Float32);
        var r = SoftmaxAbsorption.Measure(z, y);
        Assert.Equal(absorbed ? 1.0 : 0.0, r.AbsorbedFraction);
        Assert.Equal(absorbed ? 1.0 : 0.0, r.RuleFraction);
        // What absorption means for training: float32 cross-entropy's gradient on the correct logit is exactly 0 (or not).
        var logits = z.clone().requires_grad_(true);
        using (enable_grad()) nn.functional.cross_entropy(logits, y).backward();
        using var grad = logits.grad!;
        Assert.Equal(absorbed, grad[0, 0].item<float>() == 0f);
        // float64 keeps it: 1 − p_c = S ≈ e^−Δ, computed independently in doubles.
        var r64 = SoftmaxAbsorption.Measure(z.to_type(ScalarType.Float64), y);
        Assert.Equal(0.0, r64.AbsorbedFraction);
        Assert.Equal(gap, r.LargestMargin, 1e-5);
    }

    [Fact]
    public void TiedRivalsMoveTheRuleByLnK()
    {
        // Four rivals tied at gap Δ: S = 4e^−Δ ≤ 2^−24 ⇔ Δ ≥ 24 ln 2 + ln 4 ≈ 18.022.
        using var scope = NewDisposeScope();
        var rows = new double[] { 17.9, 0, 0, 0, 0, 18.15, 0, 0, 0, 0 };
        var z = tensor(rows, [2, 5], ScalarType.Float32);
        var r = SoftmaxAbsorption.Measure(z, zeros(2, ScalarType.Int64));
        Assert.Equal(0.5, r.RuleFraction);
        // A summation that meets the 1 first absorbs each rival alone (4e^−17.9 > 2^−24 > e^−17.9): the dtype can absorb more, never less.
        Assert.True(r.AbsorbedFraction >= r.RuleFraction);
    }

    [Fact]
    public void MarginsAreCorrectMinusRunnerUp()
    {
        using var scope = NewDisposeScope();
        var z = tensor(new double[] { 3, 1, 0, /**/ 0, 5, 1, /**/ 2, 2, 9 }, [3, 3], ScalarType.Float64);
        var y = tensor(new long[] { 0, 0, 2 });
        var r = SoftmaxAbsorption.Measure(z, y);
        Assert.Equal(3, r.Examples);
        Assert.Equal(7, r.LargestMargin);    // 9 − 2
        Assert.Equal(2, r.MedianMargin);     // of {2, −5, 7}
        Assert.Equal(0, r.AbsorbedFraction);
    }

    [Fact]
    public void BadShapesAndTargetsAreRefused()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => SoftmaxAbsorption.Measure(zeros(3, 1), zeros(3, ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => SoftmaxAbsorption.Measure(zeros(3, 4), zeros(2, ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => SoftmaxAbsorption.Measure(zeros(3, 4), tensor(new long[] { 0, 4, 1 })));
        Assert.Throws<ArgumentException>(() => SoftmaxAbsorption.Measure(zeros(3, 4), zeros(3, ScalarType.Int32)));
        Assert.Throws<ArgumentException>(() => SoftmaxAbsorption.Measure(zeros(3, 4, ScalarType.Int64), zeros(3, ScalarType.Int64)));
    }
}

/// <summary>The live spike label's four outcomes and its boundary.</summary>
public class SpikeCauseTests
{
    [Theory]
    [InlineData(double.NaN, double.NaN, SpikeCauseKind.Unknown)]
    [InlineData(0.01, 5.0, SpikeCauseKind.Numerical)]
    [InlineData(0.0099, 5.0, SpikeCauseKind.Neither)]
    [InlineData(0.0, -1.0, SpikeCauseKind.Curvature)]
    [InlineData(0.5, -1.0, SpikeCauseKind.Both)]
    [InlineData(double.NaN, -1.0, SpikeCauseKind.Curvature)]
    [InlineData(0.2, double.NaN, SpikeCauseKind.Numerical)]
    public void Labels(double absorbed, double margin, SpikeCauseKind expected) => Assert.Equal(expected, SpikeCause.Label(absorbed, margin));
}
