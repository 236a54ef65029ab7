namespace PhaseScope.Training.Mnist;

/// <summary>
/// Symmetric label noise as in the double-descent experiments (Nakkiran et al. 2019): exactly
/// round(fraction · n) examples, drawn without replacement, get a label other than their own, uniform over the other
/// classes. Deterministic for a seed (<see cref="Random"/> with a seed draws the same sequence on every platform).
/// </summary>
public static class LabelNoise
{
    /// <summary>How many of <paramref name="count"/> labels a fraction flips: round(fraction · count), halves away from zero.</summary>
    public static int Flipped(int count, double fraction) => (int)Math.Round(fraction * count, MidpointRounding.AwayFromZero);

    /// <summary>A copy of <paramref name="labels"/> (each in 0 … classes − 1) with <see cref="Flipped"/> of them changed.</summary>
    public static long[] Apply(IReadOnlyList<long> labels, double fraction, int classes, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(fraction >= 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The label-noise fraction must lie in [0, 1].");
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "Label noise needs at least 2 classes.");
        var noisy = labels.ToArray();
        if (noisy.Any(l => l < 0 || l >= classes)) throw new ArgumentException($"Every label must lie in 0 … {classes - 1}.", nameof(labels));
        int n = noisy.Length, flips = Flipped(n, fraction);
        var random = new Random(seed);
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < flips; i++)   // the first `flips` places of a Fisher–Yates shuffle: a uniform subset
        {
            int j = i + random.Next(n - i);
            (order[i], order[j]) = (order[j], order[i]);
            int at = order[i];
            noisy[at] = (noisy[at] + 1 + random.Next(classes - 1)) % classes;
        }
        return noisy;
    }
}
