using PhaseScope.Consolidation;
using PhaseScope.Monitoring;
using TorchSharp;

namespace PhaseScope.Control;

/// <summary>A learning-rate change made by <see cref="AdaptiveLearningRate"/>.</summary>
/// <param name="Step">Step at which it was made.</param>
/// <param name="P">The p that selected the band.</param>
/// <param name="From">Learning rate before.</param>
/// <param name="To">Learning rate after.</param>
/// <param name="Band">The band's label.</param>
public sealed record LearningRateChange(long Step, double P, double From, double To, string Band);

/// <summary>
/// Seed 003 §11.3 as a policy: the learning rate is the base rate times the multiplier of the band that
/// the current p falls in (bands configurable, default the seed's). Works with any TorchSharp optimizer:
/// it sets the rate of every parameter group. A change is returned (for an event) only when the band changes.
/// The seed's rationale (larger steps when C_α ≫ 1) is a heuristic; doubling AdamW's rate can destabilise a
/// run, which is exactly what the stability margin S reports.
/// </summary>
public sealed class AdaptiveLearningRate : IController
{
    readonly IReadOnlyList<LearningRateBand> bands;
    LearningRateBand? current;

    /// <summary>Creates the policy.</summary>
    /// <param name="baseLearningRate">The rate the multipliers apply to.</param>
    /// <param name="bands">The band table (default <see cref="LearningRateBand.SeedDefaults"/>).</param>
    public AdaptiveLearningRate(double baseLearningRate, IReadOnlyList<LearningRateBand>? bands = null)
    {
        if (!(baseLearningRate > 0) || double.IsInfinity(baseLearningRate))
            throw new ArgumentOutOfRangeException(nameof(baseLearningRate), baseLearningRate, "The base learning rate must be positive and finite.");
        this.bands = bands ?? LearningRateBand.SeedDefaults;
        LearningRateBand.Validate(this.bands);
        BaseLearningRate = baseLearningRate;
        LearningRate = baseLearningRate;
    }

    /// <summary>The base rate.</summary>
    public double BaseLearningRate { get; }

    /// <summary>The rate the policy last set (the base rate before any p was seen).</summary>
    public double LearningRate { get; private set; }

    /// <summary>Index of the band of the last p seen (null before the first): with the base rate, all the policy's state.</summary>
    public int? BandIndex => current is null ? null : IndexOf(current);

    /// <summary>Returns to a state saved from <see cref="BandIndex"/> (a resumed run); the caller applies the rate.</summary>
    public void Restore(int? bandIndex)
    {
        if (bandIndex is int i && (i < 0 || i >= bands.Count))
            throw new ArgumentOutOfRangeException(nameof(bandIndex), bandIndex, $"The policy has {bands.Count} bands.");
        current = bandIndex is int j ? bands[j] : null;
        LearningRate = current is null ? BaseLearningRate : BaseLearningRate * current.Multiplier;
    }

    int IndexOf(LearningRateBand band)
    {
        for (int i = 0; i < bands.Count; i++) if (ReferenceEquals(bands[i], band)) return i;
        return -1;
    }

    /// <summary>The band of <paramref name="p"/>.</summary>
    public LearningRateBand BandOf(double p) => bands.First(b => p < b.UpperP);

    /// <summary>Feeds one p; returns the change when the band differs from the last one (NaN p: no change).</summary>
    public LearningRateChange? Observe(long step, double p)
    {
        if (double.IsNaN(p)) return null;
        var band = BandOf(p);
        if (band == current) return null;
        current = band;
        double before = LearningRate;
        LearningRate = BaseLearningRate * band.Multiplier;
        return before == LearningRate ? null : new LearningRateChange(step, p, before, LearningRate, band.Label);
    }

    /// <inheritdoc />
    /// <remarks>Feeds the p of a <see cref="ConsolidationReading"/> published at <paramref name="step"/> to <see cref="Observe"/>.</remarks>
    public ControlDecision? Decide(long step, MonitorReadings readings)
    {
        if (readings.Latest<ConsolidationReading>() is not { } r || r.Step != step || Observe(step, r.P) is not { } change) return null;
        return new ControlDecision(step, "lr_changed", "adaptive_lr",
            FormattableString.Invariant($"p = {change.P:F3} is in band '{change.Band}': learning rate {change.From:G4} → {change.To:G4}.")) { LearningRate = change.To };
    }

    /// <summary>Sets <paramref name="learningRate"/> on every parameter group of <paramref name="optimizer"/> (a TorchSharp
    /// optimizer's setter for <c>PhaseScope.Training.MonitoredLoop</c>).</summary>
    public static void SetOn(torch.optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }
}
