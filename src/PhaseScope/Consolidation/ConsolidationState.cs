namespace PhaseScope.Consolidation;

/// <summary>The learning states of seed 003's decision table (§12.1), by p = C_α/(1 + C_α).</summary>
public enum ConsolidationState
{
    /// <summary>p &lt; 0.40 (C_α &lt; 0.67): stop; adjust hyperparameters.</summary>
    Failing,
    /// <summary>0.40 ≤ p &lt; 0.50 (C_α 0.67–1): reduce the learning rate, increase the batch.</summary>
    SubThreshold,
    /// <summary>0.50 ≤ p &lt; 0.60 (C_α 1–1.5): grokking may occur; change nothing abruptly.</summary>
    Critical,
    /// <summary>0.60 ≤ p &lt; 0.75 (C_α 1.5–3): continue; maybe raise the learning rate slightly.</summary>
    Learning,
    /// <summary>p ≥ 0.75 (C_α ≥ 3): raise the learning rate, or stop and deploy.</summary>
    Strong,
}

/// <summary>Classification by the §12.1 table (lower bounds inclusive; the seed leaves the boundaries open).</summary>
public static class ConsolidationStates
{
    /// <summary>The state of probability <paramref name="p"/>. Throws for NaN (no estimate to classify).</summary>
    public static ConsolidationState Classify(double p)
    {
        if (double.IsNaN(p)) throw new ArgumentException("p is NaN; the consolidation estimate is undefined.", nameof(p));
        return p < 0.40 ? ConsolidationState.Failing
            : p < 0.50 ? ConsolidationState.SubThreshold
            : p < 0.60 ? ConsolidationState.Critical
            : p < 0.75 ? ConsolidationState.Learning
            : ConsolidationState.Strong;
    }

    /// <summary>The state's name as written in metrics and events (snake case).</summary>
    public static string Label(this ConsolidationState state) => state switch
    {
        ConsolidationState.Failing => "failing",
        ConsolidationState.SubThreshold => "sub_threshold",
        ConsolidationState.Critical => "critical",
        ConsolidationState.Learning => "learning",
        _ => "strong",
    };
}
