using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Runtime;

public class KeptScalarTests
{
    [Fact]
    public void OperationsMatchTheirClosedForms()
    {
        var t = tensor(new double[] { -1.5, 0, 2, 3 });
        Assert.Equal(new[] { -3.75, 0, 5, 7.5 }, KeptScalar.Mul(t, 2.5).data<double>().ToArray());
        Assert.Equal(new[] { -0.375, 0, 0.5, 0.75 }, KeptScalar.Div(t, 4).data<double>().ToArray());
        Assert.Equal(new[] { -0.5, 1, 3, 4 }, KeptScalar.Add(t, 1).data<double>().ToArray());
        Assert.Equal(new[] { false, true, false, false }, KeptScalar.Eq(t, 0).data<bool>().ToArray());
        Assert.Equal(new[] { false, false, true, true }, KeptScalar.Ge(t, 2).data<bool>().ToArray());
        Assert.Equal(new[] { -1.5, 9, 2, 9 }, KeptScalar.MaskedFill(t, tensor(new[] { false, true, false, true }), 9).data<double>().ToArray());
        // integer tensors take an integer scalar in place
        var i = tensor(new long[] { 1, 2, 3 });
        Assert.Equal(new long[] { 7, 14, 21 }, KeptScalar.With(7L, s => i.mul_(s)).data<long>().ToArray());
    }
}
