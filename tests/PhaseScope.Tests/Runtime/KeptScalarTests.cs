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

public class CollectionPauseTests
{
    [Fact]
    public void NoCollectionRunsInsideAndTheModeIsRestoredAfter()
    {
        var before = System.Runtime.GCSettings.LatencyMode;
        int collections = -1;
        var inside = before;
        PhaseScope.Runtime.CollectionPause.During(() =>
        {
            inside = System.Runtime.GCSettings.LatencyMode;
            int start = GC.CollectionCount(0);
            var garbage = new List<byte[]>();
            for (int i = 0; i < 100; i++) garbage.Add(new byte[1024]);   // 100 kB, within the allowance
            collections = GC.CollectionCount(0) - start;
            // nested: runs, unprotected by a second region, without throwing
            PhaseScope.Runtime.CollectionPause.During(() => garbage.Add(new byte[16]));
        });
        Assert.Equal(System.Runtime.GCLatencyMode.NoGCRegion, inside);
        Assert.Equal(0, collections);
        Assert.Equal(before, System.Runtime.GCSettings.LatencyMode);
    }

    [Fact]
    public void WorkThatOutgrowsTheAllowanceStillRunsAndEndsCleanly()
    {
        var before = System.Runtime.GCSettings.LatencyMode;
        long total = 0;
        PhaseScope.Runtime.CollectionPause.During(() =>
        {
            for (int i = 0; i < 64; i++) total += new byte[1 << 20].Length;   // 64 MB ≫ 4 MB
        });
        Assert.Equal(64L << 20, total);
        Assert.Equal(before, System.Runtime.GCSettings.LatencyMode);
    }
}
