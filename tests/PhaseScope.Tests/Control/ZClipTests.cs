using PhaseScope.Control;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Control;

/// <summary>ZClip's rule (Kumar et al. 2025) on norms whose statistics are computed here by hand.</summary>
public class ZClipTests
{
    /// <summary>Warm-up 1, 2, 3: μ = 2, σ² = ((−1)² + 0² + 1²)/3 = 2/3, σ = 0.8164966. Then:
    /// g = 10: z = 8/0.8164976 ≈ 9.8 &gt; 2.5 → clip to 2 + 2.5·0.8164966 = 4.0412415; μ = 0.97·2 + 0.03·4.0412415 = 2.0612372;
    /// σ² = 0.97·(2/3) + 0.03·(4.0412415 − 2.0612372)² = 0.6466667 + 0.03·3.9204170 = 0.7642792.
    /// g = 2.5: σ = 0.8742306, z = (2.5 − 2.0612372)/0.8742316 ≈ 0.50 → no clip; μ = 0.97·2.0612372 + 0.03·2.5 = 2.0744001;
    /// σ² = 0.97·0.7642792 + 0.03·(2.5 − 2.0744001)² = 0.7413508 + 0.03·0.1811353 = 0.7467849.</summary>
    [Fact]
    public void ClipsToMeanPlusZSigmaAndFollowsTheNormUsed()
    {
        var z = new ZClip(zThreshold: 2.5, alpha: 0.97, warmup: 3);
        Assert.Null(z.Observe(1));
        Assert.Null(z.Observe(2));
        Assert.True(double.IsNaN(z.Mean));
        Assert.Null(z.Observe(3));
        Assert.Equal(2, z.Mean, 12);
        Assert.Equal(2.0 / 3, z.Variance, 12);

        Assert.Equal(4.0412415, z.Observe(10)!.Value, 5);
        Assert.Equal(2.0612372, z.Mean, 6);
        Assert.Equal(0.7642792, z.Variance, 6);

        Assert.Null(z.Observe(2.5));
        Assert.Equal(2.0744001, z.Mean, 6);
        Assert.Equal(0.7467849, z.Variance, 6);

        Assert.Null(z.Observe(double.NaN));   // not counted
        Assert.Equal(2.0744001, z.Mean, 6);
    }

    /// <summary>A restored state continues as the original: the same clips on the same later norms.</summary>
    [Fact]
    public void RestoredStateContinuesAsTheOriginal()
    {
        double[] norms = [1, 1.2, 0.9, 1.1, 5, 1, 0.8, 7, 1.3, 1];
        var a = new ZClip(2, warmup: 3);
        var b = new ZClip(2, warmup: 3);
        var expected = norms.Select(n => a.Observe(n)).ToList();
        var got = new List<double?>();
        for (int i = 0; i < norms.Length; i++)
        {
            if (i is 2 or 6)   // mid-warm-up and after it
            {
                var c = new ZClip(2, warmup: 3);
                c.RestoreState(b.SaveState());
                b = c;
            }
            got.Add(b.Observe(norms[i]));
        }
        Assert.Equal(expected, got);
        Assert.Contains(expected, x => x is not null);
        Assert.Throws<ArgumentException>(() => new ZClip(2, warmup: 3).RestoreState([1, 2, 3]));
    }

    /// <summary>On tensors: gradients (3, 4) and (12) have the global norm 13; after a warm-up of norms 1 and 1 (σ = 0)
    /// the clip norm is μ = 1, so every gradient is scaled by 1/(13 + 10⁻⁶).</summary>
    [Fact]
    public void ScalesTheGradientsToTheClipNorm()
    {
        using var a = zeros(2).requires_grad_();
        using var b = zeros(1).requires_grad_();
        var z = new ZClip(2.5, warmup: 2);
        z.Observe(1);
        z.Observe(1);
        using (var loss = a.mul(tensor(new float[] { 3, 4 })).sum().add(b.mul(12).sum())) loss.backward();
        var clipped = z.Clip([a, b]);
        Assert.NotNull(clipped);
        Assert.Equal(13, clipped.Value.Norm, 5);
        Assert.Equal(1, clipped.Value.ClippedTo, 12);
        using var ga = a.grad!;
        using var gb = b.grad!;
        Assert.Equal(3 / 13.0, ga[0].item<float>(), 5);
        Assert.Equal(4 / 13.0, ga[1].item<float>(), 5);
        Assert.Equal(12 / 13.0, gb[0].item<float>(), 5);
    }
}
