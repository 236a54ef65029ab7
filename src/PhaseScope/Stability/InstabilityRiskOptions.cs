namespace PhaseScope.Stability;

/// <summary>
/// The constants of <see cref="InstabilityRisk"/>'s rule (docs/INSTABILITY.md, "The instability forecast, measured"). The
/// defaults were tuned on the tuning half of the forecast runs of that section and scored on the other half.
/// </summary>
public sealed record InstabilityRiskOptions
{
    /// <summary>H: steps ahead to which the fitted sharpness ratio is extrapolated (the forecast's horizon).</summary>
    public int Horizon { get; init; } = 100;
    /// <summary>K: the latest λ_max(P⁻¹H)/threshold readings the least-squares line is fitted to (≥ 2).</summary>
    public int MarginReadings { get; init; } = 3;
    /// <summary>W: the previous directional readings whose median is the directional sharpness's recent level.</summary>
    public int DirectionalWindow { get; init; } = 20;
    /// <summary>G: the growth of uᵀHu/uᵀu over its recent level that scores 1 (&gt; 1).</summary>
    public double DirectionalGrowth { get; init; } = 10;
    /// <summary>A: the absorbed share of training examples that scores 1 (<see cref="SpikeCause.AbsorbedShare"/>).</summary>
    public double AbsorbedShare { get; init; } = SpikeCause.AbsorbedShare;
    /// <summary>The risk at and above which a warning is raised.</summary>
    public double WarningThreshold { get; init; } = 1;
    /// <summary>Steps after a warning in which no other is raised (null: <see cref="Horizon"/>).</summary>
    public int? Refractory { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad constant.</summary>
    public void Validate()
    {
        if (Horizon < 0) throw new ArgumentOutOfRangeException(nameof(Horizon), Horizon, "The horizon must be ≥ 0 steps.");
        if (MarginReadings < 2) throw new ArgumentOutOfRangeException(nameof(MarginReadings), MarginReadings, "A line needs at least 2 readings.");
        if (DirectionalWindow < 1) throw new ArgumentOutOfRangeException(nameof(DirectionalWindow), DirectionalWindow, "The recent level needs at least 1 reading.");
        if (!(DirectionalGrowth > 1) || double.IsInfinity(DirectionalGrowth)) throw new ArgumentOutOfRangeException(nameof(DirectionalGrowth), DirectionalGrowth, "The growth that scores 1 must be a finite number > 1.");
        if (!(AbsorbedShare > 0 && AbsorbedShare <= 1)) throw new ArgumentOutOfRangeException(nameof(AbsorbedShare), AbsorbedShare, "The absorbed share must lie in (0, 1].");
        if (!(WarningThreshold > 0) || double.IsInfinity(WarningThreshold)) throw new ArgumentOutOfRangeException(nameof(WarningThreshold), WarningThreshold, "The warning threshold must be a finite number > 0.");
        if (Refractory < 0) throw new ArgumentOutOfRangeException(nameof(Refractory), Refractory, "The refractory period must be ≥ 0 steps.");
    }
}
