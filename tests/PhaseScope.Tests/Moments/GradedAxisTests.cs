using PhaseScope.Moments.Fast;
using PhaseScope.Moments;

namespace PhaseScope.Tests.Moments;

public class GradedAxisTests
{
    [Theory]
    [InlineData(1.0f)]
    [InlineData(0.1234567f)]
    [InlineData(3.0e-30f)]
    [InlineData(2.9e37f)]
    public void EveryMagnitudeLiesInItsCellAndCellsAreGraded(float max)
    {
        const double grading = 1.0 / 32, minHalf = 1.0 / 1024;
        var axis = new GradedAxis(max, grading, minHalf);
        Assert.Equal(0, axis.Index(BitConverter.SingleToUInt32Bits(max)));
        var r = new Random(3);
        int inTail = 0;
        for (int i = 0; i < 200000; i++)
        {
            // log-uniform over 40 binades below the maximum
            float x = (float)(max * Math.Pow(2, -40 * r.NextDouble()));
            if (x == 0 || x > max) continue;
            int cell = axis.Index(BitConverter.SingleToUInt32Bits(x));
            double ratio = (double)x / max;
            if (cell < 0)
            {
                // the exact tail starts GradedAxis.TailBinades binades below the maximum's binade, not above it
                Assert.True(ratio < Math.Pow(2, -(GradedAxis.TailBinades - 1)), $"{x} of {max} in the tail");
                inTail++;
                continue;
            }
            double u = x / axis.Center[cell] - 1;
            Assert.True(Math.Abs(u) <= axis.HalfWidth[cell], $"{x}: u = {u}, h = {axis.HalfWidth[cell]}");
            // graded: h ≤ max(h_min, c·log(max/x)) up to one key of 2⁻¹² (the finest a cell can be)
            double allowed = Math.Max(minHalf, grading * Math.Log(1 / ratio));
            Assert.True(axis.HalfWidth[cell] <= Math.Max(allowed, Math.Pow(2, -12)) * 1.0001, $"{x}: h = {axis.HalfWidth[cell]} > {allowed}");
            Assert.True(Math.Abs(Math.Log(axis.Center[cell] / max) - axis.LogCenter[cell]) <= 1e-12);
        }
        Assert.True(inTail > 0);
        Assert.InRange(axis.Count, 20, 400);
    }
}
