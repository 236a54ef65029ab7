using PhaseScope.Monitoring;
using PhaseScope.Monitoring.Descriptors;

namespace PhaseScope.Reporting.Outputs.Html;

/// <summary>
/// A run's events of one kind in one line: how many, over which steps, and the largest when the kind has a size
/// ("7 loss spikes between steps 1590 and 5240, the largest ×1.1 × 10⁵"), with the kind's meaning from its descriptor.
/// </summary>
/// <param name="Kind">The event kind.</param>
/// <param name="Events">Its events, in step order.</param>
/// <param name="Descriptor">Its descriptor, null for a kind no family declares.</param>
public sealed record EventSummary(string Kind, IReadOnlyList<MonitorEvent> Events, EventDescriptor? Descriptor)
{
    /// <summary>One summary per kind, kinds in the order of their first event.</summary>
    public static IReadOnlyList<EventSummary> Of(IReadOnlyList<MonitorEvent> events, IReadOnlyList<IMetricFamily> families) =>
        events.GroupBy(e => e.Kind).Select(g => new EventSummary(g.Key, g.OrderBy(e => e.Step).ToList(), MetricFamilies.DescribeEvent(g.Key, families))).ToList();

    /// <summary>The largest size among the events, null when the kind has none or no event carries one.</summary>
    public double? Largest => Descriptor?.Magnitude is { } size ? Events.Select(size).Where(v => v is double d && double.IsFinite(d)).Max() : null;

    /// <summary>The sentence: "7 loss spikes between steps 1590 and 5240, the largest ×1.1 × 10⁵" or "1 gap opening at step 300".</summary>
    public string Line
    {
        get
        {
            int n = Events.Count;
            string noun = Descriptor is null ? (n == 1 ? $"{Kind} event" : $"{Kind} events") : n == 1 ? Descriptor.Singular : Descriptor.Plural;
            long first = Events[0].Step, last = Events[^1].Step;
            string where = first == last ? (n == 1 ? $"at step {first}" : $"all at step {first}") : $"between steps {first} and {last}";
            string size = Largest is double l ? string.Format(System.Globalization.CultureInfo.InvariantCulture, Descriptor!.MagnitudeFormat, ReadableNumber.Format(l)) : "";
            string tail = size.Length == 0 ? "" : n == 1 ? $", {size}" : $", the largest {size}";
            return $"{n} {noun} {where}{tail}";
        }
    }
}
