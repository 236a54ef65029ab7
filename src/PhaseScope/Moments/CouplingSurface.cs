namespace PhaseScope.Moments;

/// <summary>
/// log M(k), log G(l), log Z(k, l) on a grid of orders and the coupling
/// C(k, l) = log Z − log M − log G (seed 000, eq. 16). C(0, 0) = 0 exactly, since
/// Z(0,0) = M(0) = G(0) = 1 with 0⁰ = 1 (the "log n" of seed 000 appendix A.5 is a slip; docs/MATH.md "C(0,0) = 0").
/// </summary>
/// <param name="KOrders">Parameter orders k.</param>
/// <param name="LOrders">Gradient orders l.</param>
/// <param name="LogM">log M(k).</param>
/// <param name="LogG">log G(l).</param>
/// <param name="LogZ">log Z(k, l).</param>
public sealed record CouplingSurface(double[] KOrders, double[] LOrders, double[] LogM, double[] LogG, double[,] LogZ)
{
    /// <summary>C(k_i, l_j); −∞ − (−∞) cases (all-zero θ or g at positive order) give NaN.</summary>
    public double Coupling(int i, int j) => LogZ[i, j] - LogM[i] - LogG[j];

    /// <summary>The contact quality estimate Q̂_α(K) = −C(K, K) / log K (seed 000, Cor. 6.4); K must be on both grids and &gt; 1.</summary>
    public double ContactQuality(double order)
    {
        if (!(order > 1)) throw new ArgumentOutOfRangeException(nameof(order), order, "Q̂_α(K) needs K > 1 (log K > 0).");
        int i = Array.IndexOf(KOrders, order), j = Array.IndexOf(LOrders, order);
        if (i < 0 || j < 0) throw new ArgumentException($"Order {order} is not on both order grids.", nameof(order));
        return -Coupling(i, j) / Math.Log(order);
    }
}
