using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// Mergeable partial of the diagonal coupling C(K, K) (seed 000, eq. 16) for a few orders K: one
/// <see cref="CouplingPartial"/> per order on the 1×1 grid (K, K), so a diagonal costs three log-sum-exp
/// passes per order instead of a full K×L surface. The logarithms of |θ| and |g| are taken once per shard.
/// </summary>
public sealed class DiagonalCoupling
{
    readonly CouplingPartial[] perOrder;

    DiagonalCoupling(CouplingPartial[] perOrder) => this.perOrder = perOrder;

    /// <summary>The partial of one shard (θ and g of equal length).</summary>
    public static DiagonalCoupling Of(Tensor theta, Tensor gradient, IReadOnlyList<double> orders)
    {
        LogSpace.ValidateOrders(orders, nameof(orders));
        if (theta.numel() != gradient.numel())
            throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}; moments pair them index by index (seed 000, eq. 15).");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = LogSpace.LogAbs(theta);
        var b = LogSpace.LogAbs(gradient);
        return new(orders.Select(k => CouplingPartial.OfLogAbs(a, b, [k], [k])).ToArray());
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
