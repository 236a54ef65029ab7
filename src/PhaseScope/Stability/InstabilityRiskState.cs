namespace PhaseScope.Stability;

/// <summary>
/// Everything <see cref="InstabilityRisk"/> remembers between readings, for a resume point: the sharpness ratios the margin
/// line is fitted to (with their steps), the directional readings whose median is the recent level, each part's last value,
/// the last defined risk (a warning is a rising edge through the threshold), the step of the last warning (the refractory
/// period counts from it) and the latest reading. A rule restored from it reads on exactly as the rule that wrote it.
/// </summary>
/// <param name="RatioSteps">The steps of <paramref name="Ratios"/>.</param>
/// <param name="Ratios">The latest λ_max(P⁻¹H)/threshold readings, oldest first (at most K).</param>
/// <param name="Directional">The latest uᵀHu/uᵀu readings, oldest first (at most W).</param>
/// <param name="MarginPart">The margin part's last value (NaN: none yet).</param>
/// <param name="DirectionalPart">The directional part's last value (NaN: none yet).</param>
/// <param name="AbsorptionPart">The absorption part's last value (NaN: none yet).</param>
/// <param name="Crossing">The last crossing step (NaN: the line did not rise).</param>
/// <param name="LastRisk">The last defined risk (NaN: none yet).</param>
/// <param name="LastWarning">The step of the last warning (null: none yet).</param>
/// <param name="Latest">The latest reading (null before the first).</param>
public sealed record InstabilityRiskState(IReadOnlyList<long> RatioSteps, IReadOnlyList<double> Ratios, IReadOnlyList<double> Directional,
    double MarginPart, double DirectionalPart, double AbsorptionPart, double Crossing, double LastRisk, long? LastWarning, InstabilityRiskReading? Latest);
