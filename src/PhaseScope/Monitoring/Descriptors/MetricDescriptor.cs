namespace PhaseScope.Monitoring.Descriptors;

/// <summary>
/// One metric as its family declares it, once, for every reader of a run: the stored name, what a reader sees
/// (title, unit, the one-line meaning with its equation), where it is drawn (chart and order there), how a run is
/// summarised by it, whether the verdict scores it, and how the terminal shows it.
/// </summary>
/// <remarks>
/// <para><see cref="Name"/> may hold one <c>*</c>, which stands for one non-empty path segment without <c>/</c>
/// (<c>spectral/sigma_*</c> matches <c>spectral/sigma_3</c>, not <c>spectral/sigma_3/wq</c>); the same <c>*</c>
/// in <see cref="Title"/> is replaced by the matched segment, so a pattern draws one line per matching series.</para>
/// <para>A metric is available in a run when the run holds a series that <see cref="Matches"/> it.</para>
/// </remarks>
/// <param name="Name">Stored name or pattern (unchanged across versions: stored runs are read by it).</param>
/// <param name="Title">Line label and table heading.</param>
/// <param name="Legend">What it means, in one line, with the equation and the seed it comes from.</param>
/// <param name="Unit">Unit, empty when dimensionless.</param>
public sealed record MetricDescriptor(string Name, string Title, string Legend, string Unit = "")
{
    /// <summary>The chart it is drawn in (a <see cref="ChartDescriptor.Id"/> of its family), null when not charted.</summary>
    public string? Chart { get; init; }

    /// <summary>Order among the chart's lines (ascending; ties keep declaration order).</summary>
    public int Order { get; init; }

    /// <summary>Line style: null solid, else a plotly dash name (<c>dot</c>, <c>dash</c>).</summary>
    public string? Dash { get; init; }

    /// <summary>When set, this metric is a standard error of that metric and is drawn as the band ± itself around it.</summary>
    public string? StandardErrorOf { get; init; }

    /// <summary>How a run is summarised by this metric.</summary>
    public MetricAggregate Aggregate { get; init; }

    /// <summary>The level of <see cref="MetricAggregate.FirstCrossing"/>, also drawn as a reference line.</summary>
    public double? Threshold { get; init; }

    /// <summary>Whether the verdict scores it as an indicator of the coming transition.</summary>
    public bool Indicator { get; init; }

    /// <summary>Whether the comparison page overlays it across runs.</summary>
    public bool Compared { get; init; }

    /// <summary>Label in the terminal's live view, null when not shown; metrics sharing a label show the first one present.</summary>
    public string? Terminal { get; init; }

    /// <summary>Whole-number values (counts, positions): shown without decimals.</summary>
    public bool Integer { get; init; }

    /// <summary>Whether <see cref="Name"/> holds a <c>*</c>.</summary>
    public bool IsPattern => Name.Contains('*', StringComparison.Ordinal);

    /// <summary>Whether the stored series <paramref name="metric"/> is this one (or one of this pattern's).</summary>
    public bool Matches(string metric) => Segment(metric) is not null;

    /// <summary>The part of <paramref name="metric"/> that the <c>*</c> stands for: empty for an exact name, null when it does not match.</summary>
    public string? Segment(string metric)
    {
        int star = Name.IndexOf('*', StringComparison.Ordinal);
        if (star < 0) return metric == Name ? "" : null;
        string prefix = Name[..star], suffix = Name[(star + 1)..];
        if (metric.Length <= prefix.Length + suffix.Length || !metric.StartsWith(prefix, StringComparison.Ordinal) || !metric.EndsWith(suffix, StringComparison.Ordinal))
            return null;
        var middle = metric[prefix.Length..^suffix.Length];
        return middle.Contains('/', StringComparison.Ordinal) ? null : middle;
    }

    /// <summary>The label of the stored series <paramref name="metric"/>: <see cref="Title"/> with its <c>*</c> replaced by the matched segment.</summary>
    public string LabelOf(string metric) => IsPattern ? Title.Replace("*", Segment(metric) ?? "*", StringComparison.Ordinal) : Title;

    /// <summary>The stored series of <paramref name="names"/> that this descriptor covers, in drawing order (numeric segments by value).</summary>
    public IReadOnlyList<string> SeriesIn(IEnumerable<string> names)
    {
        if (!IsPattern) return names.Contains(Name) ? [Name] : [];
        return names.Where(Matches)
            .OrderBy(n => double.TryParse(Segment(n), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v : double.PositiveInfinity)
            .ThenBy(n => n, StringComparer.Ordinal).ToList();
    }
}
