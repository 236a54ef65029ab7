using PhaseScope.Stability;
using PhaseScope.Training;
using PhaseScope.Training.Mnist;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Training;

/// <summary>The mnist path's logit source on an MLP whose weights are set by hand, so that each row's gap to its runner-up is
/// known: 1 → 1 → 4 with weights 1 and biases 0 in the hidden layer and output rows (1, 0, 0, 0), biases (0, 0, −60, −60),
/// so an input x ≥ 0 gives logits (x, 0, −60, −60). With target 0 the margin is x and the one runner-up is class 1 (the
/// others add e^{−60−x} ≪ 2⁻²⁴); float32 absorbs the row iff x ≥ 24 ln 2 = 16.636 (the rule SoftmaxAbsorptionTests checks
/// against float32 itself). With target 1 the margin is −x and the row is never absorbed.</summary>
public class ClassifierLogitSourceTests
{
    // x: 1, 10, 16, 16.5 are below 16.636; 17, 20, 30, 40 above; the last two rows have target 1.
    static readonly float[] Inputs = [1, 10, 16, 16.5f, 17, 20, 30, 40, 30, 5];
    static readonly long[] Targets = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];

    static LayeredMlp HandSet()
    {
        var model = new LayeredMlp(1, [1], 4);
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        using (no_grad())
        {
            p["layers.0.weight"].copy_(ones(1, 1));
            p["layers.0.bias"].copy_(zeros(1));
            p["layers.1.weight"].copy_(tensor(new float[] { 1, 0, 0, 0 }, [4, 1]));
            p["layers.1.bias"].copy_(tensor(new float[] { 0, 0, -60, -60 }));
        }
        return model;
    }

    [Fact]
    public void EveryRowIsScoredWhenTheSetFitsAndFourOfTenAreAbsorbed()
    {
        using var scope = NewDisposeScope();
        using var model = HandSet();
        model.train();
        var source = new ClassifierLogitSource(tensor(Inputs, [Inputs.Length, 1]), tensor(Targets), model);
        var (z, y) = source.TrainingLogits();
        Assert.Equal([10L, 4L], z.shape);
        Assert.Equal(ScalarType.Float32, z.dtype);
        var r = SoftmaxAbsorption.Measure(z, y);
        Assert.Equal(10, r.Examples);
        Assert.Equal(4 / 10.0, r.AbsorbedFraction);   // 17, 20, 30, 40
        Assert.Equal(4 / 10.0, r.RuleFraction);
        Assert.Equal(40.0, r.LargestMargin);
        Assert.True(model.training, "the source must leave the model in the mode it found it");
    }

    /// <summary>Ten rows, at most four: stride ⌊10/4⌋ = 2, rows 0, 2, 4, 6 (x = 1, 16, 17, 30): two of four absorbed.</summary>
    [Fact]
    public void ALargerSetIsScoredOnEveryStrideThRow()
    {
        using var scope = NewDisposeScope();
        using var model = HandSet();
        var source = new ClassifierLogitSource(tensor(Inputs, [Inputs.Length, 1]), tensor(Targets), model, maxRows: 4);
        var (z, y) = source.TrainingLogits();
        Assert.Equal(new long[] { 0, 0, 0, 0 }, y.data<long>().ToArray());
        Assert.Equal(new float[] { 1, 16, 17, 30 }, z.select(1, 0).data<float>().ToArray());
        var r = SoftmaxAbsorption.Measure(z, y);
        Assert.Equal(4, r.Examples);
        Assert.Equal(2 / 4.0, r.AbsorbedFraction);
        Assert.Equal(30.0, r.LargestMargin);
    }

    /// <summary>In float64 the gap must reach 53 ln 2 = 36.74: of the same rows only x = 40 is absorbed.</summary>
    [Fact]
    public void AFloat64SoftmaxAbsorbsOnlyBeyond53Ln2()
    {
        using var scope = NewDisposeScope();
        using var model = HandSet();
        var (z, y) = new ClassifierLogitSource(tensor(Inputs, [Inputs.Length, 1]), tensor(Targets), model, float64: true).TrainingLogits();
        Assert.Equal(ScalarType.Float64, z.dtype);
        var r = SoftmaxAbsorption.Measure(z, y);
        Assert.Equal(1 / 10.0, r.AbsorbedFraction);
        Assert.Equal(1 / 10.0, r.RuleFraction);
        Assert.Equal(40.0, r.LargestMargin);
    }

    [Fact]
    public void MismatchedRowsAndABadBoundAreRefusedBeforeTheModelRuns()
    {
        using var scope = NewDisposeScope();
        using var model = HandSet();
        Assert.Throws<ArgumentException>(() => new ClassifierLogitSource(zeros(3, 1), zeros(4, ScalarType.Int64), model).TrainingLogits());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClassifierLogitSource(zeros(3, 1), zeros(3, ScalarType.Int64), model, maxRows: 0).TrainingLogits());
    }
}
