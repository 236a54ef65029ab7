using PhaseScope.Moments;
using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Probes;
using PhaseScope.Tests.Monitoring;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PhaseScope.Tests.Moments;

/// <summary>
/// m∩ with a relative tolerance (<see cref="ToleranceAlignment"/>) on hand-built tables whose sets are known by
/// inspection, exact ties and near-ties included, and as the moments probe records it.
/// </summary>
public class ToleranceAlignmentTests
{
    // θ_max = 1 (index 0), g_max = 1 (index 2). By hand, J(τ) = {i : |θ_i| ≥ 1 − τ}, I(τ) = {i : |g_i| ≥ 1 − τ}:
    //   τ = 1e-6: J = {0, 1} (0.9999995), I = {2}          → m∩ = 0
    //   τ = 1e-3: J = {0, 1, 2} (0.9995), I = {2, 3}        → m∩ = 1 ({2})
    //   τ = 1e-2: J = {0, 1, 2}, I = {1, 2, 3} (0.995)      → m∩ = 2 ({1, 2})
    // min(|θ_i|, |g_i|) = 0.1, 0.995, 0.9995, 0.5, 0.2, so τ* = 1 − 0.9995 = 5e-4.
    static readonly double[] Theta = [1, -0.9999995, 0.9995, 0.5, 0.2];
    static readonly double[] Grad = [0.1, 0.995, -1, 0.9995, -0.3];
    static readonly double[] Taus = [1e-6, 1e-3, 1e-2];

    [Fact]
    public void NearTiesEnterTheSetsAtTheirTolerance()
    {
        using var t = tensor(Theta);
        using var g = tensor(Grad);
        var a = ToleranceAlignment.Of(t, g, 1, 1, Taus);
        Assert.Equal([new ToleranceSets(2, 1, 0), new ToleranceSets(3, 2, 1), new ToleranceSets(3, 3, 2)], a.Sets);
        Assert.Equal(5e-4, a.SmallestTolerance, 12);
        // The same counts as one ToleranceSets pass per tolerance.
        for (int j = 0; j < Taus.Length; j++) Assert.Equal(ToleranceSets.Of(t, g, 1, 1, Taus[j]), a.Sets[j]);
    }

    [Fact]
    public void ShardsMergeToTheWholeAndStrictTiesAgreeWithTheExactSets()
    {
        using var t = tensor(Theta);
        using var g = tensor(Grad);
        var whole = ToleranceAlignment.Of(t, g, 1, 1, Taus);
        var merged = ToleranceAlignment.Of(t.narrow(0, 0, 2), g.narrow(0, 0, 2), 1, 1, Taus)
            .Merge(ToleranceAlignment.Of(t.narrow(0, 2, 3), g.narrow(0, 2, 3), 1, 1, Taus));
        Assert.Equal(whole.Sets, merged.Sets);
        Assert.Equal(whole.Closeness, merged.Closeness);

        // Exact ties at both maxima: J(0) = {0, 1, 2}, I(0) = {0, 2, 3}, m∩(0) = 2 = the strict m∩ of Thm 4.8, and τ* = 0.
        using var tt = tensor(new double[] { 1, 1, -1, 0.3 });
        using var tg = tensor(new double[] { 2, 1, -2, 2 });
        var x = ExtremalPartial.Of(tt, tg).Finish();
        var ties = ToleranceAlignment.Of([(tt, tg)], x, [0.0, 0.4]);
        Assert.Equal(new ToleranceSets(3, 3, 2), ties.Sets[0]);
        Assert.Equal(x.Intersection, ties.Sets[0].Intersection);
        Assert.Equal(0.0, ties.SmallestTolerance);
        // τ = 0.4: |θ| ≥ 0.6 → {0, 1, 2}; |g| ≥ 1.2 → {0, 2, 3}: still 2 (|g_1| = 1 is 50 % below the maximum).
        Assert.Equal(new ToleranceSets(3, 3, 2), ties.Sets[1]);
    }

    [Fact]
    public void SmallestToleranceLiesBetweenTheBoundsFromD0()
    {
        // d_∞ ≤ d₀ ≤ 2 d_∞ gives 1 − e^(−d₀/2) ≤ τ* ≤ 1 − e^(−d₀); with τ* from the brute-force minimum over i.
        var rng = new Random(3);
        for (int trial = 0; trial < 20; trial++)
        {
            var th = Enumerable.Range(0, 200).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var gr = Enumerable.Range(0, 200).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            using var t = tensor(th);
            using var g = tensor(gr);
            var x = ExtremalPartial.Of(t, g).Finish();
            var a = ToleranceAlignment.Of([(t, g)], x, [1e-2]);
            double tMax = th.Max(Math.Abs), gMax = gr.Max(Math.Abs);
            double brute = 1 - th.Zip(gr, (p, q) => Math.Min(Math.Abs(p) / tMax, Math.Abs(q) / gMax)).Max();
            Assert.Equal(brute, a.SmallestTolerance, 12);
            Assert.InRange(a.SmallestTolerance, 1 - Math.Exp(-x.D0 / 2) - 1e-12, 1 - Math.Exp(-x.D0) + 1e-12);
            // Below τ* the sets cannot meet; at τ* they do.
            Assert.Equal(a.SmallestTolerance > 1e-2, a.Sets[0].Intersection == 0);
        }
    }

    [Fact]
    public void BadTolerancesAreRefused()
    {
        using var t = tensor(Theta);
        using var g = tensor(Grad);
        Assert.Throws<ArgumentOutOfRangeException>(() => ToleranceAlignment.Of(t, g, 1, 1, [1.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ToleranceAlignment.Of(t, g, 1, 1, [-1e-3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MomentsOptions { Tolerances = [double.NaN] }.Validate());
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]   // the one-read host path of float32 CPU parameters
    public void TheProbeRecordsTheToleranceVariantBesideTheStrictOne(ScalarType type)
    {
        // L = Σ θ⊙k gives g = k; values exact in float32. θ_max = 1 at 0, g_max = 1 at 2 (strict m∩ = 0).
        // min ratios 0.25, 0.9375, 0.96875, 0.5 → τ* = 0.03125; τ = 0.05: J = {0, 2} (0.9375 < 0.95), I = {1, 2} → m∩ = 1.
        var theta = new Parameter(tensor(new double[] { 1, -0.9375, 0.96875, 0.5 }).to_type(type));
        var sink = new CollectingSink();
        using var monitor = new PhaseMonitor([new NamedParameter("w", theta)],
            [new MomentsProbe(new MomentsOptions { Schedule = ProbeSchedule.Every(1), Tolerances = [1e-3, 0.05] })], [sink]);
        using (var k = tensor(new double[] { 0.25, 0.96875, -1, 0.5 }).to_type(type))
        using (var loss = (theta * k).sum())
        {
            loss.backward();
            monitor.AfterBackward(1, loss);
            monitor.AfterStep(1);
        }
        Assert.Equal(0.0, sink.Value(1, "moments/m_cap"));
        Assert.Equal(0.0, sink.Value(1, "moments/m_cap_tol@0.001"));
        Assert.Equal(1.0, sink.Value(1, "moments/m_tol@0.001"));
        Assert.Equal(1.0, sink.Value(1, "moments/m_g_tol@0.001"));
        Assert.Equal(1.0, sink.Value(1, "moments/m_cap_tol@0.05"));
        Assert.Equal(2.0, sink.Value(1, "moments/m_tol@0.05"));
        Assert.Equal(2.0, sink.Value(1, "moments/m_g_tol@0.05"));
        Assert.Equal(0.03125, sink.Value(1, "moments/tau_star"), 12);
        // Every stored name is declared on the moments family.
        Assert.All(sink.Metrics.Select(m => m.Name).Where(n => n.StartsWith("moments/", StringComparison.Ordinal)).Distinct(),
            n => Assert.Contains(MomentsFamily.Family.Metrics, d => d.Matches(n)));
    }
}
