namespace PhaseScope.Stability;

/// <summary>One reading of <see cref="InstabilityRisk"/>.</summary>
/// <param name="Step">The step it was computed at.</param>
/// <param name="Risk">The largest of the three parts (NaN while none is defined); 1 is where a spike is expected.</param>
/// <param name="MarginPart">λ_max(P⁻¹H)/threshold fitted and extrapolated <see cref="InstabilityRiskOptions.Horizon"/> steps ahead (NaN: fewer than one reading).</param>
/// <param name="DirectionalPart">log(s/s̃)/log G, s = uᵀHu/uᵀu and s̃ its recent median (NaN: no level yet or s̃ ≤ 0).</param>
/// <param name="AbsorptionPart">Absorbed share / A (NaN: not measured).</param>
/// <param name="CrossingStep">The step at which the fitted line reaches the threshold (NaN when it does not rise).</param>
/// <param name="Warning">Whether this reading raises a warning.</param>
public sealed record InstabilityRiskReading(long Step, double Risk, double MarginPart, double DirectionalPart, double AbsorptionPart, double CrossingStep, bool Warning)
{
    /// <summary>"numerical" when the absorption part is the largest, else "curvature" (the cause the warning points to).</summary>
    public string Cause => AbsorptionPart >= Max(MarginPart, DirectionalPart) ? "numerical" : "curvature";

    static double Max(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Max(a, b);
}
