using PhaseScope.Moments.Fast;
using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Mergeable partial of the diagonal coupling C(K, K) (seed 000, eq. 16) for a few orders K: one
/// <see cref="CouplingPartial"/> per order on the 1×1 grid (K, K), so a diagonal costs three log-sum-exp
/// passes per order instead of a full K×L surface. The logarithms of |θ| and |g| are taken once per shard, and the
/// orders are summed together (one [K × n] block per sum).
/// </summary>
public sealed class DiagonalCoupling
{
    readonly CouplingPartial[] perOrder;

    DiagonalCoupling(CouplingPartial[] perOrder) => this.perOrder = perOrder;

    /// <summary>Most elements of one [orders × n] block; larger shards are done one order at a time.</summary>
    const long BlockElements = 1L << 24;

    /// <summary>
    /// The partial of one shard (θ and g of equal length). All positive orders go through one [K × n] block per sum
    /// (log M, log G, log Z), so a shard costs a handful of native calls whatever K is; order 0 (0⁰ = 1) and shards
    /// too large for a block take one <see cref="CouplingPartial"/> per order. Contiguous float32 CPU shards with
    /// integer orders take <see cref="HostPass.PowerSums"/> instead (two reads, no exp; one when the shard's
    /// <paramref name="extremal"/> partial, which holds the maxima, is passed in).
    /// </summary>
    /// <param name="theta">θ of the shard.</param>
    /// <param name="gradient">g of the shard.</param>
    /// <param name="orders">The orders K.</param>
    /// <param name="extremal"><see cref="ExtremalPartial.Of"/> of the same shard with gradients, if the caller has it.</param>
    public static DiagonalCoupling Of(Tensor theta, Tensor gradient, IReadOnlyList<double> orders, ExtremalPartial? extremal = null)
    {
        LogSpace.ValidateOrders(orders, nameof(orders));
        if (theta.numel() != gradient.numel())
            throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}; moments pair them index by index (seed 000, eq. 15).");
        if (extremal is not null && (extremal.Count != theta.numel() || !extremal.HasGradients))
            throw new ArgumentException("The extremal partial passed in belongs to another shard (or has no gradients).", nameof(extremal));
        var ks = orders.ToArray();
        var positive = ks.Where(k => k > 0).ToArray();
        if (positive.Length == ks.Length && theta.numel() > 0 && HostPass.PowerSums(theta, gradient, ks, extremal) is { } host)
            return new(ks.Select((k, i) => new CouplingPartial([k], [k], theta.numel(), [host.LogM[i]], [host.LogG[i]], new double[,] { { host.LogZ[i] } })).ToArray());
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = LogSpace.LogAbs(theta);
        var b = LogSpace.LogAbs(gradient);
        long n = a.numel();
        if (n == 0 || positive.Length < 2 || positive.Length * n > BlockElements)
            return new(ks.Select(k => CouplingPartial.OfLogAbs(a, b, [k], [k])).ToArray());

        var kColumn = tensor(positive, ScalarType.Float64).unsqueeze(1);
        var sums = cat([(kColumn * a).logsumexp(1), (kColumn * b).logsumexp(1), (kColumn * KeptScalar.Sum(a, b)).logsumexp(1)]).data<double>().ToArray();
        int K = positive.Length;
        // log|x| is +∞ only for x = ±∞, and NaN propagates: a NaN or +∞ log-sum means non-finite input.
        foreach (var v in sums.Take(K)) NonFiniteValuesException.ThrowIfNonFinite(v, "θ");
        foreach (var v in sums.Skip(K).Take(K)) NonFiniteValuesException.ThrowIfNonFinite(v, "g");
        var perOrder = new CouplingPartial[ks.Length];
        for (int i = 0, j = 0; i < ks.Length; i++)
        {
            if (ks[i] == 0) { perOrder[i] = CouplingPartial.OfLogAbs(a, b, [0.0], [0.0]); continue; }
            perOrder[i] = new CouplingPartial([ks[i]], [ks[i]], n, [sums[j]], [sums[K + j]], new double[,] { { sums[2 * K + j] } });
            j++;
        }
        return new(perOrder);
    }

    /// <summary>
    /// The shard's <see cref="ExtremalPartial"/> and its diagonal partial together, as the moments probe needs them at every
    /// call: one read of θ and g (<see cref="SummaryPass"/>) for a contiguous float32 CPU shard and doubling orders (the
    /// default 2, 4, 8, 16, 32), else <see cref="ExtremalPartial.Of"/> followed by <see cref="Of"/>.
    /// </summary>
    public static (ExtremalPartial Extremal, DiagonalCoupling Diagonal) WithExtremal(Tensor theta, Tensor gradient, IReadOnlyList<double> orders)
    {
        LogSpace.ValidateOrders(orders, nameof(orders));
        if (theta.numel() != gradient.numel())
            throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}; moments pair them index by index (seed 000, eq. 15).");
        if (OfHostPairs([(theta, gradient)], orders) is { } host) return host;
        var extremal = ExtremalPartial.Of(theta, gradient);
        return (extremal, Of(theta, gradient, orders, extremal));
    }

    /// <summary>
    /// The extremal and diagonal partials of the union of <paramref name="pairs"/> in one read and without concatenating
    /// them (<see cref="SummaryPass"/>), or null when that pass does not apply to every pair or to the orders.
    /// </summary>
    public static (ExtremalPartial Extremal, DiagonalCoupling Diagonal)? OfHostPairs(IReadOnlyList<(Tensor Theta, Tensor Gradient)> pairs, IReadOnlyList<double> orders)
    {
        LogSpace.ValidateOrders(orders, nameof(orders));
        if (SummaryPass.Of(pairs, orders) is not { } host) return null;
        long n = host.Extremal.Count;
        return (host.Extremal, new(orders.Select((k, i) => new CouplingPartial([k], [k], n, [host.LogM[i]], [host.LogG[i]], new double[,] { { host.LogZ[i] } })).ToArray()));
    }

    /// <summary>The partial of the union of two shards (same orders).</summary>
    public DiagonalCoupling Merge(DiagonalCoupling other)
    {
        if (perOrder.Length != other.perOrder.Length) throw new ArgumentException("Only diagonals on the same orders can be merged.");
        return new(perOrder.Zip(other.perOrder, (a, b) => a.Merge(b)).ToArray());
    }

    /// <summary>(K, C(K, K)) per order.</summary>
    public (double Order, double Coupling)[] Finish() => perOrder.Select(p => (p.KOrders[0], p.Finish().Coupling(0, 0))).ToArray();
}
