namespace PhaseScope.Control;

/// <summary>One band of <see cref="AdaptiveLearningRate"/>: for p below <paramref name="UpperP"/> (and at or above the previous band's bound), multiply the base rate by <paramref name="Multiplier"/>.</summary>
/// <param name="UpperP">Exclusive upper bound on p (the last band uses +∞).</param>
/// <param name="Multiplier">Factor applied to the base learning rate (&gt; 0).</param>
/// <param name="Label">Name written in events.</param>
public sealed record LearningRateBand(double UpperP, double Multiplier, string Label)
{
    /// <summary>Seed 003 §11.3's table: p &lt; 0.40 ×0.1, &lt; 0.50 ×0.5, &lt; 0.60 ×1, &lt; 0.75 ×1.5, else ×2.</summary>
    public static IReadOnlyList<LearningRateBand> SeedDefaults { get; } =
    [
        new(0.40, 0.1, "failing"),
        new(0.50, 0.5, "sub_threshold"),
        new(0.60, 1.0, "critical"),
        new(0.75, 1.5, "learning"),
        new(double.PositiveInfinity, 2.0, "strong"),
    ];

    /// <summary>
    /// Parses a band table "0.4:0.1,0.5:0.5,0.6:1,0.75:1.5,inf:2" (upper bound on p : multiplier, ascending,
    /// the last bound <c>inf</c>). Throws <see cref="FormatException"/> naming the problem.
    /// </summary>
    public static IReadOnlyList<LearningRateBand> Parse(string text)
    {
        var bands = new List<LearningRateBand>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split(':');
            if (parts.Length != 2) throw new FormatException($"Band '{item}' is not 'upper_p:multiplier' (e.g. 0.5:0.5).");
            double upper = parts[0].Equals("inf", StringComparison.OrdinalIgnoreCase) ? double.PositiveInfinity
                : double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var u) ? u
                : throw new FormatException($"Band '{item}': '{parts[0]}' is not a number or 'inf'.");
            if (!double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var m))
                throw new FormatException($"Band '{item}': '{parts[1]}' is not a number.");
            bands.Add(new LearningRateBand(upper, m, $"p<{parts[0]}"));
        }
        Validate(bands);
        return bands;
    }

    /// <summary>Checks a table: non-empty, bounds strictly ascending, the last +∞, multipliers positive and finite.</summary>
    public static void Validate(IReadOnlyList<LearningRateBand> bands)
    {
        if (bands.Count == 0) throw new FormatException("The band table is empty; give at least one band ending in 'inf'.");
        for (int i = 0; i < bands.Count; i++)
        {
            if (!(bands[i].Multiplier > 0) || double.IsInfinity(bands[i].Multiplier))
                throw new FormatException($"Band {i + 1}: the multiplier must be a positive finite number (got {bands[i].Multiplier}).");
            if (i > 0 && !(bands[i].UpperP > bands[i - 1].UpperP))
                throw new FormatException($"Band {i + 1}: upper bounds on p must increase (got {bands[i - 1].UpperP} then {bands[i].UpperP}).");
        }
        if (!double.IsPositiveInfinity(bands[^1].UpperP)) throw new FormatException("The last band must end at 'inf' so that every p has a band.");
    }
}
