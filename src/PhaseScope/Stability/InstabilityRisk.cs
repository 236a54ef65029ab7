namespace PhaseScope.Stability;

/// <summary>
/// The instability forecast (docs/INSTABILITY.md, "The instability forecast, measured"): from a run's stability readings in
/// step order, a risk that is the largest of three parts, each scaled so that 1 is where a loss spike is expected.
/// <list type="bullet">
/// <item><b>Margin and its trend.</b> ρ = λ_max(P⁻¹H)/threshold (1 at the optimizer's edge of stability, "Thresholds"). A
/// least-squares line ρ(t) = a + bt through the latest K readings is extrapolated to t + H: the part is a + b·(t + H) when
/// b &gt; 0, else the latest ρ. It is ≥ 1 exactly when the fitted margin reaches 0 within H steps (or has); the step at
/// which the line reaches 1, (1 − a)/b, is the reading's crossing step.</item>
/// <item><b>Directional sharpness.</b> s = uᵀHu/uᵀu along the update; its recent level s̃ is the median of the previous W
/// readings. The part is ln(s/s̃)/ln G (0 when s ≤ 0): 1 when the sharpness along the step grew G-fold over its level,
/// as it did ≈ 100-fold in the 100 steps before each of the README run's spikes.</item>
/// <item><b>Absorption.</b> The absorbed share of training examples / A: 1 at SpikeCause's numerical threshold
/// (softmax collapse, Prieto et al. 2025).</item>
/// </list>
/// A warning is the risk reaching <see cref="InstabilityRiskOptions.WarningThreshold"/> from below, at least the refractory
/// period after the last warning. Parts with no reading yet are NaN and left out of the maximum.
/// </summary>
public sealed class InstabilityRisk
{
    readonly List<(long Step, double Ratio)> ratios = [];
    readonly List<double> directional = [];
    double marginPart = double.NaN, directionalPart = double.NaN, absorptionPart = double.NaN, crossing = double.NaN;
    double lastRisk = double.NaN;
    long? lastWarning;

    /// <summary>A rule with <paramref name="options"/> (validated; null: the defaults).</summary>
    public InstabilityRisk(InstabilityRiskOptions? options = null)
    {
        Options = options ?? new InstabilityRiskOptions();
        Options.Validate();
    }

    /// <summary>The constants.</summary>
    public InstabilityRiskOptions Options { get; }

    /// <summary>The latest reading (null before the first).</summary>
    public InstabilityRiskReading? Latest { get; private set; }

    /// <summary>
    /// Takes the readings of <paramref name="step"/> (NaN: not measured at this step; the part then keeps its last value)
    /// and returns the risk. <paramref name="sharpnessRatio"/> is λ_max(P⁻¹H)/threshold, <paramref name="directionalSharpness"/>
    /// uᵀHu/uᵀu, <paramref name="absorbedShare"/> the absorbed share of training examples.
    /// </summary>
    public InstabilityRiskReading Observe(long step, double sharpnessRatio, double directionalSharpness, double absorbedShare)
    {
        if (double.IsFinite(sharpnessRatio)) ObserveRatio(step, sharpnessRatio);
        if (ratios.Count > 0) (marginPart, crossing) = Extrapolate(step);
        if (double.IsFinite(directionalSharpness)) ObserveDirectional(directionalSharpness);
        if (double.IsFinite(absorbedShare)) absorptionPart = absorbedShare / Options.AbsorbedShare;
        double risk = MaxDefined(MaxDefined(marginPart, directionalPart), absorptionPart);
        bool rising = risk >= Options.WarningThreshold && !(lastRisk >= Options.WarningThreshold);
        bool rested = lastWarning is not long w || step - w >= (Options.Refractory ?? Options.Horizon);
        bool warning = rising && rested;
        if (warning) lastWarning = step;
        if (!double.IsNaN(risk)) lastRisk = risk;
        return Latest = new InstabilityRiskReading(step, risk, marginPart, directionalPart, absorptionPart, crossing, warning);
    }

    void ObserveRatio(long step, double ratio)
    {
        ratios.Add((step, ratio));
        if (ratios.Count > Options.MarginReadings) ratios.RemoveAt(0);
    }

    void ObserveDirectional(double s)
    {
        if (directional.Count > 0)
        {
            double level = Median(directional);
            directionalPart = level > 0 ? s > 0 ? Math.Log(s / level) / Math.Log(Options.DirectionalGrowth) : 0 : double.NaN;
        }
        directional.Add(s);
        if (directional.Count > Options.DirectionalWindow) directional.RemoveAt(0);
    }

    /// <summary>The fitted ratio at <paramref name="step"/> + H (the latest ratio when the line does not rise) and the step
    /// at which the line reaches 1 (NaN when it does not rise).</summary>
    (double Part, double Crossing) Extrapolate(long step)
    {
        double latest = ratios[^1].Ratio;
        if (ratios.Count < 2) return (latest, double.NaN);
        double meanT = ratios.Average(r => (double)r.Step), meanR = ratios.Average(r => r.Ratio);
        double sxx = ratios.Sum(r => (r.Step - meanT) * (r.Step - meanT)), sxy = ratios.Sum(r => (r.Step - meanT) * (r.Ratio - meanR));
        double slope = sxx > 0 ? sxy / sxx : 0;
        if (!(slope > 0)) return (latest, double.NaN);
        double intercept = meanR - slope * meanT;
        return (intercept + slope * (step + Options.Horizon), (1 - intercept) / slope);
    }

    /// <summary>Everything the rule remembers (<see cref="InstabilityRiskState"/>).</summary>
    public InstabilityRiskState SaveState() => new([.. ratios.Select(r => r.Step)], [.. ratios.Select(r => r.Ratio)], [.. directional],
        marginPart, directionalPart, absorptionPart, crossing, lastRisk, lastWarning, Latest);

    /// <summary>Returns to a state written by <see cref="SaveState"/> of a rule with the same options.</summary>
    /// <exception cref="ArgumentException">The state holds more readings than these options keep, or steps and ratios do not pair up.</exception>
    public void RestoreState(InstabilityRiskState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.RatioSteps.Count != state.Ratios.Count)
            throw new ArgumentException($"An instability-risk state pairs each ratio with its step; got {state.RatioSteps.Count} steps and {state.Ratios.Count} ratios.", nameof(state));
        if (state.Ratios.Count > Options.MarginReadings || state.Directional.Count > Options.DirectionalWindow)
            throw new ArgumentException($"An instability-risk state with {state.Ratios.Count} ratios and {state.Directional.Count} directional readings does not fit K = {Options.MarginReadings}, W = {Options.DirectionalWindow}.", nameof(state));
        ratios.Clear();
        ratios.AddRange(state.RatioSteps.Zip(state.Ratios));
        directional.Clear();
        directional.AddRange(state.Directional);
        (marginPart, directionalPart, absorptionPart, crossing, lastRisk, lastWarning, Latest) =
            (state.MarginPart, state.DirectionalPart, state.AbsorptionPart, state.Crossing, state.LastRisk, state.LastWarning, state.Latest);
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    static double MaxDefined(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Max(a, b);
}
