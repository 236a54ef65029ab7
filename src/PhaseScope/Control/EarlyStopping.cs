using PhaseScope.Consolidation;
using PhaseScope.Monitoring;

namespace PhaseScope.Control;

/// <summary>Which criterion of <see cref="EarlyStopping"/> fired.</summary>
public enum StopCriterion
{
    /// <summary>p below the threshold (0.45) for the whole window.</summary>
    PersistentlyLowP,
    /// <summary>C_α non-increasing over the whole window and lower at its end than at its start.</summary>
    FallingConsolidation,
    /// <summary>I &lt; 0 (the seed's divergence signal).</summary>
    NegativeIntelligence,
}

/// <summary>A stop decision.</summary>
/// <param name="Step">Step of the observation that fired.</param>
/// <param name="Criterion">The criterion.</param>
/// <param name="Reason">A sentence for events and logs.</param>
public sealed record StopDecision(long Step, StopCriterion Criterion, string Reason);

/// <summary>
/// Seed 003 §11.4's mechanistic early stopping, each criterion switchable: (1) p &lt; 0.45 for
/// <c>window</c> consecutive observations; (2) C_α non-increasing over <c>window</c> consecutive
/// observations and strictly lower at the end; (3) I &lt; 0 at the latest observation. Criteria 1 and 2 wait
/// for a full window, as the seed does. Observations are whatever the consolidation probe produces (one per
/// call of its schedule), not optimizer steps. Note: with S = 2/η − λ_max (see
/// <see cref="Consolidation.IntelligenceCoefficient"/>), I &lt; 0 means λ_max &gt; 2/η, beyond the edge of
/// stability of plain gradient descent, a reference scale for Adam-type optimizers rather than a divergence proof.
/// </summary>
public sealed class EarlyStopping : IController
{
    readonly Queue<(double P, double C)> recent = new();

    /// <summary>Creates the policy.</summary>
    public EarlyStopping(int window = 10, double pThreshold = 0.45, bool lowP = true, bool fallingC = true, bool negativeI = true)
    {
        if (window < 2) throw new ArgumentOutOfRangeException(nameof(window), window, "The early-stopping window must hold at least 2 observations.");
        if (!(pThreshold is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(pThreshold), pThreshold, "The p threshold must lie in (0, 1).");
        if (!lowP && !fallingC && !negativeI) throw new ArgumentException("Early stopping needs at least one criterion switched on.");
        Window = window;
        PThreshold = pThreshold;
        LowP = lowP;
        FallingC = fallingC;
        NegativeI = negativeI;
    }

    /// <summary>Observations per window.</summary>
    public int Window { get; }
    /// <summary>Criterion 1's threshold (seed: 0.45).</summary>
    public double PThreshold { get; }
    /// <summary>Criterion 1 on.</summary>
    public bool LowP { get; }
    /// <summary>Criterion 2 on.</summary>
    public bool FallingC { get; }
    /// <summary>Criterion 3 on.</summary>
    public bool NegativeI { get; }

    /// <summary>The observations (p, C_α) of the current window, oldest first: with the settings, all the policy's state.</summary>
    public IReadOnlyList<(double P, double C)> Recent => recent.ToArray();

    /// <summary>Returns to a window saved from <see cref="Recent"/> (a resumed run).</summary>
    public void Restore(IEnumerable<(double P, double C)> window)
    {
        var items = window.ToList();
        if (items.Count > Window) throw new ArgumentException($"A saved window of {items.Count} observations does not fit a window of {Window}.", nameof(window));
        recent.Clear();
        foreach (var x in items) recent.Enqueue(x);
    }

    /// <inheritdoc />
    /// <remarks>Feeds the p, C_α and I of a <see cref="ConsolidationReading"/> published at <paramref name="step"/> to <see cref="Observe"/>.</remarks>
    public ControlDecision? Decide(long step, MonitorReadings readings)
    {
        if (readings.Latest<ConsolidationReading>() is not { } r || r.Step != step || Observe(step, r.P, r.CAlpha, r.Intelligence) is not { } decision) return null;
        return new ControlDecision(step, "early_stop", "early_stopping", $"{decision.Criterion}: {decision.Reason} Training stops after step {step}.") { Stop = decision };
    }

    /// <summary>Feeds one observation (p, C_α and I; I may be NaN when no curvature is known). Returns a decision when a criterion fires.</summary>
    public StopDecision? Observe(long step, double p, double cAlpha, double intelligence = double.NaN)
    {
        if (double.IsNaN(p) || double.IsNaN(cAlpha)) return null;
        recent.Enqueue((p, cAlpha));
        if (recent.Count > Window) recent.Dequeue();
        if (recent.Count == Window)
        {
            var items = recent.ToArray();
            if (LowP && items.All(x => x.P < PThreshold))
                return new StopDecision(step, StopCriterion.PersistentlyLowP, FormattableString.Invariant($"p < {PThreshold} for {Window} consecutive observations (last p = {p:G4})."));
            bool monotone = true;
            for (int i = 0; i + 1 < items.Length; i++) monotone &= items[i].C >= items[i + 1].C;
            if (FallingC && monotone && items[^1].C < items[0].C)
                return new StopDecision(step, StopCriterion.FallingConsolidation, FormattableString.Invariant($"C_α decreased monotonically over {Window} observations ({items[0].C:G4} → {items[^1].C:G4})."));
        }
        if (NegativeI && intelligence < 0)
            return new StopDecision(step, StopCriterion.NegativeIntelligence, FormattableString.Invariant($"I = {intelligence:G4} < 0 (λ_max beyond 2/η)."));
        return null;
    }
}
