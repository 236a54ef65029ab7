namespace PhaseScope.Monitoring.Descriptors;

/// <summary>One event kind as its family declares it: the stored kind, its plural noun for a summary line
/// ("7 loss spikes …"), what it means, and, when the kind has a size, how to read it from the event.</summary>
/// <param name="Kind">Stored kind (unchanged across versions).</param>
/// <param name="Plural">Plural noun for a count ("loss spikes").</param>
/// <param name="Meaning">What the event says, in one line.</param>
public sealed record EventDescriptor(string Kind, string Plural, string Meaning)
{
    /// <summary>Whether the run summary carries the kind's first step as a field named by <see cref="Kind"/> (null when it did not occur).</summary>
    public bool InSummary { get; init; }

    /// <summary>The event's size (a spike's ratio to its baseline), null when it has none.</summary>
    public Func<MonitorEvent, double?>? Magnitude { get; init; }

    /// <summary>How the size reads in a sentence, <c>{0}</c> being the formatted number ("×{0}").</summary>
    public string MagnitudeFormat { get; init; } = "{0}";

    /// <summary>Singular noun for one event; by default <see cref="Plural"/> with its last word made singular
    /// ("gap openings" → "gap opening", "order losses" → "order loss", "gradient recoveries" → "gradient recovery").</summary>
    public string Singular { get; init; } = Singularize(Plural);

    static string Singularize(string plural)
    {
        if (plural.EndsWith("ies", StringComparison.Ordinal)) return plural[..^3] + "y";
        foreach (var ending in new[] { "sses", "shes", "ches", "xes" })
            if (plural.EndsWith(ending, StringComparison.Ordinal)) return plural[..^2];
        return plural.EndsWith('s') ? plural[..^1] : plural;
    }
}
