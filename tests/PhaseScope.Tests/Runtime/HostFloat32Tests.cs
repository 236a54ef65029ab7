using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Runtime;

public class HostFloat32Tests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(513)]          // one float32 block and a tail
    [InlineData(300_001)]      // parallel chunks and a short last chunk
    public void SquaredDistanceMatchesAFloat64Loop(int n)
    {
        using var g = new Generator((ulong)n);
        using var a = randn([n], generator: g).mul_(3f);
        using var b = randn([n], generator: g);
        var x = a.data<float>().ToArray();
        var y = b.data<float>().ToArray();
        double reference = 0;
        for (int i = 0; i < n; i++) { double d = (double)x[i] - y[i]; reference += d * d; }
        double? host = HostFloat32.SquaredDistance(a, b);
        Assert.NotNull(host);
        // float32 differences (relative 2⁻²⁴ each) summed in float32 over blocks of 512, float64 across blocks
        Assert.True(Math.Abs(host!.Value - reference) <= 1e-5 * reference, $"host {host} against {reference}");
    }

    [Fact]
    public void SquaredDistanceAppliesOnlyToContiguousFloat32PairsOfEqualLength()
    {
        using var a = ones(10);
        Assert.Null(HostFloat32.SquaredDistance(a, ones(10, ScalarType.Float64)));
        Assert.Null(HostFloat32.SquaredDistance(a, ones(11)));
        using var m = ones(4, 5);
        Assert.Null(HostFloat32.SquaredDistance(m.t(), ones(5, 4)));   // a transposed view is not contiguous
        Assert.Equal(0.0, HostFloat32.SquaredDistance(a, ones(10)));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void ANonFiniteElementGivesANonFiniteDistance(float bad)
    {
        using var a = zeros(1000);
        using var b = zeros(1000);
        a[999] = tensor(bad);
        Assert.False(double.IsFinite(HostFloat32.SquaredDistance(a, b)!.Value));
    }
}
