using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Mergeable partial of the moment and coupling statistics of seed 000 on a grid of orders:
/// the unnormalised log-sums log Σᵢ|θᵢ|ᵏ, log Σᵢ|gᵢ|ˡ and log Σᵢ|θᵢ|ᵏ|gᵢ|ˡ over one shard (a tensor, a
/// device, a file) and its element count. Shards merge exactly (log-add-exp); <see cref="Finish"/>
/// divides by n. This is the exact float64 reference: one pass per order for M and G and one per
/// grid point for Z (K·L passes); a faster surface must be checked against it.
/// </summary>
public sealed class CouplingPartial
{
    internal CouplingPartial(double[] kOrders, double[] lOrders, long count, double[] logSumM, double[] logSumG, double[,] logSumZ)
    {
        KOrders = kOrders;
        LOrders = lOrders;
        Count = count;
        LogSumM = logSumM;
        LogSumG = logSumG;
        LogSumZ = logSumZ;
    }

    /// <summary>Parameter orders k.</summary>
    public double[] KOrders { get; }
    /// <summary>Gradient orders l.</summary>
    public double[] LOrders { get; }
    /// <summary>Elements n in the shard.</summary>
    public long Count { get; }
    /// <summary>log Σᵢ|θᵢ|ᵏ per k.</summary>
    public double[] LogSumM { get; }
    /// <summary>log Σᵢ|gᵢ|ˡ per l.</summary>
    public double[] LogSumG { get; }
    /// <summary>log Σᵢ|θᵢ|ᵏ|gᵢ|ˡ per (k, l).</summary>
    public double[,] LogSumZ { get; }

    /// <summary>The partial of one shard: θ and g of equal length (any shapes, any device).</summary>
    public static CouplingPartial Of(Tensor theta, Tensor gradient, IReadOnlyList<double> kOrders, IReadOnlyList<double> lOrders)
    {
        LogSpace.ValidateOrders(kOrders, nameof(kOrders));
        LogSpace.ValidateOrders(lOrders, nameof(lOrders));
        if (theta.numel() != gradient.numel())
            throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}; moments pair them index by index (seed 000, eq. 15).");
        if (theta.numel() == 0) return Empty(kOrders.ToArray(), lOrders.ToArray());
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return OfLogAbs(LogSpace.LogAbs(theta), LogSpace.LogAbs(gradient), kOrders, lOrders);
    }

    /// <summary>
    /// The partial from precomputed log|θ| and log|g| (<see cref="LogSpace.LogAbs"/>, float64, equal
    /// length), so callers that need several grids of the same shard take the logarithms once.
    /// </summary>
    public static CouplingPartial OfLogAbs(Tensor a, Tensor b, IReadOnlyList<double> kOrders, IReadOnlyList<double> lOrders)
    {
        LogSpace.ValidateOrders(kOrders, nameof(kOrders));
        LogSpace.ValidateOrders(lOrders, nameof(lOrders));
        if (a.numel() != b.numel()) throw new ArgumentException($"log|θ| has {a.numel()} elements but log|g| has {b.numel()}.");
        if (a.numel() == 0) return Empty(kOrders.ToArray(), lOrders.ToArray());
        var ks = kOrders.ToArray();
        var ls = lOrders.ToArray();
        var m = new double[ks.Length];
        var g = new double[ls.Length];
        var z = new double[ks.Length, ls.Length];
        long n = a.numel();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var scaledA = ks.Select(k => LogSpace.Scaled(a, k)).ToArray();
        var scaledB = ls.Select(l => LogSpace.Scaled(b, l)).ToArray();
        var sums = new List<Tensor>(ks.Length + ls.Length + ks.Length * ls.Length);
        sums.AddRange(scaledA.Select(x => x.logsumexp(0)));
        sums.AddRange(scaledB.Select(x => x.logsumexp(0)));
        for (int i = 0; i < ks.Length; i++)
            for (int j = 0; j < ls.Length; j++)
            {
                // The n-element sum is freed at once: held in the scope, K·L of them would need K·L·8n bytes.
                using var joint = KeptScalar.Sum(scaledA[i], scaledB[j]);
                sums.Add(joint.logsumexp(0));
            }
        var all = stack(sums).cpu().data<double>().ToArray();
        // log|x| is +∞ only for x = ±∞, and NaN propagates: a NaN or +∞ log-sum means non-finite input.
        foreach (var v in all.Take(ks.Length)) NonFiniteValuesException.ThrowIfNonFinite(v, "θ");
        foreach (var v in all.Skip(ks.Length).Take(ls.Length)) NonFiniteValuesException.ThrowIfNonFinite(v, "g");
        Array.Copy(all, 0, m, 0, ks.Length);
        Array.Copy(all, ks.Length, g, 0, ls.Length);
        for (int i = 0; i < ks.Length; i++)
            for (int j = 0; j < ls.Length; j++)
                z[i, j] = all[ks.Length + ls.Length + i * ls.Length + j];
        return new CouplingPartial(ks, ls, n, m, g, z);
    }

    static CouplingPartial Empty(double[] ks, double[] ls)
    {
        var m = Enumerable.Repeat(double.NegativeInfinity, ks.Length).ToArray();
        var g = Enumerable.Repeat(double.NegativeInfinity, ls.Length).ToArray();
        var z = new double[ks.Length, ls.Length];
        for (int i = 0; i < ks.Length; i++) for (int j = 0; j < ls.Length; j++) z[i, j] = double.NegativeInfinity;
        return new CouplingPartial(ks, ls, 0, m, g, z);
    }

    /// <summary>The partial of the union of two shards (same order grids).</summary>
    public CouplingPartial Merge(CouplingPartial other)
    {
        if (!KOrders.SequenceEqual(other.KOrders) || !LOrders.SequenceEqual(other.LOrders))
            throw new ArgumentException("Only partials computed on the same order grids can be merged.");
        var z = new double[KOrders.Length, LOrders.Length];
        for (int i = 0; i < KOrders.Length; i++)
            for (int j = 0; j < LOrders.Length; j++)
                z[i, j] = LogSpace.LogAddExp(LogSumZ[i, j], other.LogSumZ[i, j]);
        return new CouplingPartial(KOrders, LOrders, Count + other.Count,
            LogSumM.Zip(other.LogSumM, LogSpace.LogAddExp).ToArray(), LogSumG.Zip(other.LogSumG, LogSpace.LogAddExp).ToArray(), z);
    }

    /// <summary>
    /// log M(k), log G(l), log Z(k, l) and the coupling C(k, l) (seed 000, eq. 1, 12, 15, 16). The
    /// identities of order 0 are applied exactly rather than left to rounding: M(0) = G(0) = 1,
    /// Z(0, l) = G(l) and Z(k, 0) = M(k), so C(0, l) = C(k, 0) = 0 and in particular C(0, 0) = 0.
    /// </summary>
    public CouplingSurface Finish()
    {
        if (Count == 0) throw new InvalidOperationException("No elements: moments of an empty set are undefined.");
        double logN = Math.Log(Count);
        var m = KOrders.Select((k, i) => k == 0 ? 0 : LogSumM[i] - logN).ToArray();
        var g = LOrders.Select((l, j) => l == 0 ? 0 : LogSumG[j] - logN).ToArray();
        var z = new double[KOrders.Length, LOrders.Length];
        for (int i = 0; i < KOrders.Length; i++)
            for (int j = 0; j < LOrders.Length; j++)
                z[i, j] = KOrders[i] == 0 ? g[j] : LOrders[j] == 0 ? m[i] : LogSumZ[i, j] - logN;
        return new CouplingSurface(KOrders, LOrders, m, g, z);
    }
}
