namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Turns per-tensor norms into events when a quantity becomes non-finite (NaN or ±∞) and when it
/// is finite again: one event per transition, naming the tensors, so a diverging run is flagged
/// once instead of at every step.
/// </summary>
internal sealed class NonFiniteWatch(string quantity)
{
    bool nonFinite;

    /// <summary>Checks the norms written for one call and emits on a transition.</summary>
    public void Check(ProbeOutput output, IReadOnlyList<string> names, IReadOnlyList<double> norms)
    {
        var bad = new List<string>();
        for (int i = 0; i < norms.Count; i++)
            if (!double.IsFinite(norms[i])) bad.Add(names[i]);
        if (bad.Count > 0 && !nonFinite)
            output.Event($"non_finite_{quantity}",
                $"The {quantity} of {bad.Count} tensor(s) is NaN or infinite: {string.Join(", ", bad.Take(5))}{(bad.Count > 5 ? ", …" : "")}.");
        else if (bad.Count == 0 && nonFinite)
            output.Event($"finite_{quantity}", $"The {quantity} is finite again.");
        nonFinite = bad.Count > 0;
    }
}
