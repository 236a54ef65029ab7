using PhaseScope.Moments.Fast;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// The coupling half of <see cref="MomentsAnalysis"/>, on θ and g together (seed 000 §3–6 and appendix C).
/// </summary>
/// <param name="Surface">C(k, l), log M and log G on the order grid (<see cref="FastCouplingSurface"/>).</param>
/// <param name="SurfaceDiagnostics">What the fast surface computed exactly and its error bound.</param>
/// <param name="UpperBoundExcess">Largest excess of C(k, l) over Thm 4.3's upper bound (≤ 0 when it holds).</param>
/// <param name="WorstLowerBoundMargin">Smallest C(k, l) − Thm 4.8's lower bound (eq. 41) over the grid (≥ 0 when it holds).</param>
/// <param name="Reading">Q̂_α on <see cref="PhaseReading.DefaultOrders"/> and the phase (§5–6).</param>
/// <param name="LimitInL">Thm 4.6: lim_{l→∞} C(k, l) per k.</param>
/// <param name="LimitInK">Thm 4.6: lim_{k→∞} C(k, l) per l.</param>
/// <param name="Thm49Error">Largest |C(k, k) − Thm 4.9's spectral representation| over the diagonal (NaN when m∩ = 0).</param>
/// <param name="Regularity">Appendix C's gradient regularity (G1, G2).</param>
/// <param name="MonotoneViolation">First order where log G(l)'s ratio test fails, or null.</param>
/// <param name="Plane">The spectral plane (fig. 5).</param>
/// <param name="Sample">The rank–rank sample (fig. 4), or null when none was asked for.</param>
public sealed record CouplingAnalysis(CouplingSurface Surface, FastCouplingSurface.Diagnostics SurfaceDiagnostics, double UpperBoundExcess,
    double WorstLowerBoundMargin, PhaseReading Reading, double[] LimitInL, double[] LimitInK, double Thm49Error, GradientRegularity Regularity,
    double? MonotoneViolation, SpectralPlane Plane, RankSample? Sample)
{
    /// <summary>Thm 4.3's upper bound holds (to 1e-6 in log units).</summary>
    public bool UpperBoundHolds => UpperBoundExcess <= 1e-6;

    /// <summary>The lower bound of eq. 41 holds (to 1e-6), or null when m∩ = 0 (it needs a common maximiser).</summary>
    public bool? LowerBoundHolds(ExtremalStatistics x) => x.Intersection < 1 ? null : WorstLowerBoundMargin >= -1e-6;

    internal static CouplingAnalysis Of(IReadOnlyList<(string Name, Tensor Theta, Tensor? Grad)> tensors, ExtremalStatistics x,
        DiagonalCoupling diagonal, double[] orders, PlaneSettings plane)
    {
        var shards = tensors.Select(t => (t.Theta, t.Grad!)).ToList();
        var surface = FastCouplingSurface.Compute(shards, orders, orders, out var diag);
        var doubled = orders.Select(o => 2 * o).ToArray();
        var twice = FastCouplingSurface.Compute(shards, doubled, doubled);
        double excess = CouplingTheorems.UpperBoundExcess(surface, twice.LogM, twice.LogG);
        var reading = PhaseReading.From(x, diagonal.Finish()); // the extremal partials of the caller, not a second pass
        double worstLower = double.PositiveInfinity;
        for (int i = 0; i < orders.Length; i++)
            for (int j = 0; j < orders.Length; j++)
                worstLower = Math.Min(worstLower, surface.Coupling(i, j) - CouplingTheorems.LowerBound(x, orders[i], orders[j]));
        var (limitInL, limitInK) = CouplingTheorems.UnilateralLimits(shards, x, surface);
        var diagonalPairs = orders.Where(o => o > 0).Select(o => (o, o)).ToList();
        var rhs = CouplingTheorems.SpectralRepresentation(shards, x, diagonalPairs);
        double thm49 = x.Intersection < 1 ? double.NaN : diagonalPairs.Select((p, q) =>
            Math.Abs(rhs[q] - surface.Coupling(Array.IndexOf(orders, p.Item1), Array.IndexOf(orders, p.Item2)))).DefaultIfEmpty(0).Max();
        GradientRegularity.Partial? sums = null;
        foreach (var (_, _, g) in tensors)
        {
            var p = GradientRegularity.Partial.Of(g!);
            sums = sums is null ? p : sums.Merge(p);
        }
        var sorted = orders.Select((l, j) => (l, surface.LogG[j])).OrderBy(p => p.l).ToArray();
        double? violation = GradientRegularity.FirstMonotonicityViolation(sorted.Select(p => p.l).ToArray(), sorted.Select(p => p.Item2).ToArray());
        var (spectralPlane, sample) = MomentsAnalysis.PlaneAndSample(tensors.Select(t => (t.Name, t.Theta, t.Grad!)), x, plane.DisplayWidth, plane.SampleSize, plane.Seed);
        return new CouplingAnalysis(surface, diag, excess, worstLower, reading, limitInL, limitInK, thm49, GradientRegularity.From(sums!, x),
            violation, spectralPlane, sample);
    }
}
