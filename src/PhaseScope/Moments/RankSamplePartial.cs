using static TorchSharp.torch;

namespace PhaseScope.Moments;

/// <summary>
/// A bounded, reproducible, uniform sample of the pairs (|θ_i|, |g_i|) for seed 000's rank–rank plot (fig. 4):
/// a bottom-s sketch. Each pair gets a pseudo-random key from a generator seeded by (seed, shard name); a
/// shard keeps the s pairs of smallest key, and a merge keeps the s smallest of the union. Because the keys
/// are independent and uniform, the merged sample is a uniform sample without replacement of the whole
/// set, whatever the split, and the same inputs and seed give the same points.
/// </summary>
public sealed class RankSamplePartial
{
    readonly (double Key, double Theta, double Grad)[] items;

    RankSamplePartial(int capacity, long count, (double, double, double)[] items)
    {
        Capacity = capacity;
        Count = count;
        this.items = items;
    }

    /// <summary>s, the most points kept.</summary>
    public int Capacity { get; }

    /// <summary>Pairs seen.</summary>
    public long Count { get; }

    /// <summary>The kept (key, |θ|, |g|), by key.</summary>
    public IReadOnlyList<(double Key, double Theta, double Grad)> Items => items;

    /// <summary>A stable 64-bit seed for one shard: FNV-1a of its name mixed with <paramref name="seed"/> (string.GetHashCode varies per process).</summary>
    public static ulong ShardSeed(string name, ulong seed)
    {
        ulong h = 14695981039346656037UL ^ seed;
        foreach (char c in name)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    /// <summary>The sample of one shard.</summary>
    /// <param name="theta">θ of the shard.</param>
    /// <param name="gradient">g of the shard, same length.</param>
    /// <param name="capacity">s ≥ 1.</param>
    /// <param name="seed">The shard's seed, e.g. <see cref="ShardSeed"/>.</param>
    public static RankSamplePartial Of(Tensor theta, Tensor gradient, int capacity, ulong seed)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The sample size must be at least 1.");
        if (theta.numel() != gradient.numel())
            throw new ArgumentException($"θ has {theta.numel()} elements but g has {gradient.numel()}; they are paired index by index.");
        long n = theta.numel();
        if (n == 0) return new RankSamplePartial(capacity, 0, []);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var t = theta.detach().flatten();
        var g = gradient.detach().flatten();
        using var generator = new Generator(seed, t.device);
        var keys = rand(n, ScalarType.Float64, t.device, generator: generator);
        int s = (int)Math.Min(capacity, n);
        var (k, idx) = keys.topk(s, largest: false, sorted: true);
        var sampled = stack([k, t.index_select(0, idx).to_type(ScalarType.Float64).abs(), g.index_select(0, idx).to_type(ScalarType.Float64).abs()]).cpu();
        var v = sampled.data<double>().ToArray();
        var items = new (double, double, double)[s];
        for (int i = 0; i < s; i++)
        {
            items[i] = (v[i], v[s + i], v[2 * s + i]);
            NonFiniteValuesException.ThrowIfNonFinite(v[s + i], "θ");
            NonFiniteValuesException.ThrowIfNonFinite(v[2 * s + i], "g");
        }
        return new RankSamplePartial(capacity, n, items);
    }

    /// <summary>The sample of the union of two shards.</summary>
    public RankSamplePartial Merge(RankSamplePartial other)
    {
        if (other.Capacity != Capacity) throw new ArgumentException($"Cannot merge samples of sizes {Capacity} and {other.Capacity}; use one size for every shard.");
        var merged = items.Concat(other.items).OrderBy(i => i.Key).Take(Capacity).ToArray();
        return new RankSamplePartial(Capacity, Count + other.Count, merged);
    }

    /// <summary>
    /// The points with normalised mid-ranks r/s ∈ (0, 1) of |θ| and |g| inside the sample (an unbiased
    /// estimate of each value's quantile in the whole set), ordered by key.
    /// </summary>
    public RankSample Finish()
    {
        var thetaRank = NormalisedMidRanks(items.Select(i => i.Theta).ToArray());
        var gradRank = NormalisedMidRanks(items.Select(i => i.Grad).ToArray());
        var points = items.Select((it, i) => new RankPoint(it.Theta, it.Grad, thetaRank[i], gradRank[i])).ToArray();
        return new RankSample(Count, points);
    }

    /// <summary>Mid-ranks (ties share the mean of their ranks), divided by the count.</summary>
    internal static double[] NormalisedMidRanks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double mid = (start + end + 2) / 2.0;   // 1-based ranks start+1 … end+1
            for (int i = start; i <= end; i++) ranks[order[i]] = mid / values.Length;
            start = end + 1;
        }
        return ranks;
    }
}

/// <summary>One sampled pair: its magnitudes and its normalised ranks in the sample.</summary>
public sealed record RankPoint(double Theta, double Grad, double ThetaRank, double GradRank);

/// <summary>The rank–rank sample of seed 000 fig. 4.</summary>
/// <param name="Population">Pairs the sample was drawn from.</param>
/// <param name="Points">The sampled points.</param>
public sealed record RankSample(long Population, RankPoint[] Points);
