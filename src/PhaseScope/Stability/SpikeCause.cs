namespace PhaseScope.Stability;

/// <summary>What the readings before a loss spike point to (docs/INSTABILITY.md, "The numerical cause: softmax absorption").</summary>
public enum SpikeCauseKind
{
    /// <summary>No reading before the spike.</summary>
    Unknown,
    /// <summary>Softmax absorption: at least <see cref="SpikeCause.AbsorbedShare"/> of the training examples had their correct-class gradient rounded to 0, the margin was positive.</summary>
    Numerical,
    /// <summary>The optimizer's stability margin was negative (λ_max(P⁻¹H) above its threshold), no absorption.</summary>
    Curvature,
    /// <summary>Both at once.</summary>
    Both,
    /// <summary>Readings were there and showed neither.</summary>
    Neither,
}

/// <summary>
/// The live label of a spike from the last readings before its onset: numerical when the absorbed share of training examples
/// was at least <see cref="AbsorbedShare"/> (Prieto et al. 2025: the correct-class gradient of those examples is exactly 0, so
/// only weight decay and the other examples move the logits), curvature when the optimizer's stability margin was negative.
/// A label, not a proof: the float64-softmax replay (docs/INSTABILITY.md) is the counterfactual test.
/// </summary>
public static class SpikeCause
{
    /// <summary>The absorbed share at and above which a spike is labelled numerical (1 % of the training examples).</summary>
    public const double AbsorbedShare = 0.01;

    /// <summary>The label from the absorbed share (NaN: not measured) and the stability margin (NaN: not measured or none applies).</summary>
    public static SpikeCauseKind Label(double absorbedShare, double margin)
    {
        bool haveAbsorption = !double.IsNaN(absorbedShare), haveMargin = !double.IsNaN(margin);
        if (!haveAbsorption && !haveMargin) return SpikeCauseKind.Unknown;
        bool numerical = haveAbsorption && absorbedShare >= AbsorbedShare, curvature = haveMargin && margin < 0;
        return (numerical, curvature) switch
        {
            (true, true) => SpikeCauseKind.Both,
            (true, false) => SpikeCauseKind.Numerical,
            (false, true) => SpikeCauseKind.Curvature,
            _ => SpikeCauseKind.Neither,
        };
    }
}
