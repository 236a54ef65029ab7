namespace PhaseScope.Consolidation;

/// <summary>
/// Seed 003 §6: the stability margin S and the intelligence coefficient I = p·S/d_H.
/// The seed writes S = 2η − λ_max(H), which mixes units (η has units of 1/curvature) and, as §6.1 itself
/// notices, has the wrong sign for "stable". Linear stability of gradient descent on a quadratic with top
/// curvature λ_max requires η λ_max &lt; 2, so PhaseScope uses S = 2/η − λ_max (docs/MATH.md "The stability margin"):
/// S &gt; 0 stable, S → 0 the edge of stability, S &lt; 0 beyond it. The margin is that of plain gradient
/// descent with step η; for Adam-type optimizers the relevant sharpness is the preconditioned one
/// (Cohen et al. 2022), so for AdamW runs S is a reference scale, not a divergence criterion.
/// I keeps the seed's form with the corrected S; its thresholds (§6.3: 0.5, 0.1, 0) were stated for the
/// seed's S and are reported, not endorsed.
/// </summary>
public static class IntelligenceCoefficient
{
    /// <summary>S = 2/η − λ_max.</summary>
    public static double StabilityMargin(double learningRate, double lambdaMax)
    {
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive.");
        return 2.0 / learningRate - lambdaMax;
    }

    /// <summary>I = p·S/d_H (NaN when d_H is undefined).</summary>
    public static double Of(double p, double stabilityMargin, double effectiveDimension) =>
        effectiveDimension > 0 ? p * stabilityMargin / effectiveDimension : double.NaN;
}
