using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>
/// Mergeable partial for the Hill estimator of seed 003 §11.5: the k + 1 largest |g_i| of a shard (the
/// whole shard when it has fewer). The largest k + 1 of a union are among the largest k + 1 of each part,
/// so merging keeps the top k + 1 of the concatenation and the global estimate equals the one on all
/// coordinates at once.
/// </summary>
public sealed class TailPartial
{
    readonly double[] top; // descending

    TailPartial(int order, double[] top, long count)
    {
        Order = order;
        this.top = top;
        Count = count;
    }

    /// <summary>k, the number of order statistics the estimate uses.</summary>
    public int Order { get; }

    /// <summary>Coordinates seen.</summary>
    public long Count { get; }

    /// <summary>The k + 1 largest magnitudes kept, descending.</summary>
    public IReadOnlyList<double> Top => top;

    /// <summary>The partial of one tensor: its k + 1 largest |values| (one <c>topk</c>, one small transfer).</summary>
    public static TailPartial Of(Tensor values, int order)
    {
        if (order < 1) throw new ArgumentOutOfRangeException(nameof(order), order, "The Hill estimator needs k ≥ 1 order statistics.");
        long n = values.numel();
        if (n == 0) return new TailPartial(order, [], 0);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = values.detach().flatten().abs();
        int keep = (int)Math.Min(n, order + 1L);
        var t = a.topk(keep, largest: true, sorted: true).values.to_type(ScalarType.Float64).cpu();
        return new TailPartial(order, t.data<double>().ToArray(), n);
    }

    /// <summary>The partial of the union of two shards (same k).</summary>
    public TailPartial Merge(TailPartial other)
    {
        if (other.Order != Order) throw new ArgumentException($"Cannot merge Hill partials with k = {Order} and k = {other.Order}.", nameof(other));
        var merged = top.Concat(other.top).OrderDescending().Take((int)Math.Min(int.MaxValue, Order + 1L)).ToArray();   // k = 2³¹ − 1 must not wrap
        return new TailPartial(Order, merged, Count + other.Count);
    }

    /// <summary>The Hill estimate from the kept order statistics.</summary>
    public TailIndex Finish() => TailIndex.Hill(top, Order, Count);
}
