namespace PhaseScope.SpectralEdge;

/// <summary>The regime named by the adiabatic parameter (seed 001, Def. 34.2 and the table after Prop. 34.3).</summary>
public enum AdiabaticRegime
{
    /// <summary>𝒜 ≪ 1: circuits preserved (plateau).</summary>
    Plateau,
    /// <summary>𝒜 ~ 1: circuits transform (phase transition).</summary>
    Transition,
    /// <summary>𝒜 ≫ 1: circuits destroyed (forgetting).</summary>
    Forgetting,
    /// <summary>Not computable (no perturbation yet, zero gradient, no learning rate).</summary>
    Undefined,
}

/// <summary>
/// The adiabatic parameter 𝒜 = ‖ΔΣ‖_F / (η‖g‖²) of the window (seed 001, Def. 34.2, as the issue spells it with
/// the observable Gram change in place of the NTK's) and its regime. The seed's regime boundaries (𝒜 ≪ 1, ~1, ≫ 1)
/// lost their numbers; the defaults 0.1 and 10 are one decade either side of 1 and are options.
/// Note: for SGD ‖δ‖ = η‖g‖ per step, so ‖ΔΣ‖ ~ η²‖g‖²·(stride)² and 𝒜 grows like η·stride²: it is not
/// dimensionless in η, and the boundaries are not universal across learning rates or strides.
/// </summary>
public static class AdiabaticParameter
{
    /// <summary>𝒜, or NaN when a factor is missing or the denominator is 0.</summary>
    public static double Of(double deltaSigma, double learningRate, double gradientNormSquared) =>
        double.IsFinite(deltaSigma) && learningRate > 0 && gradientNormSquared > 0 && double.IsFinite(gradientNormSquared)
            ? deltaSigma / (learningRate * gradientNormSquared) : double.NaN;

    /// <summary>The regime of <paramref name="a"/> with the boundaries <paramref name="low"/> &lt; <paramref name="high"/>.</summary>
    public static AdiabaticRegime Regime(double a, double low = 0.1, double high = 10)
    {
        if (!(low > 0 && high > low)) throw new ArgumentOutOfRangeException(nameof(low), $"Regime boundaries need 0 < low < high (got {low}, {high}).");
        return double.IsNaN(a) ? AdiabaticRegime.Undefined : a < low ? AdiabaticRegime.Plateau : a <= high ? AdiabaticRegime.Transition : AdiabaticRegime.Forgetting;
    }
}
