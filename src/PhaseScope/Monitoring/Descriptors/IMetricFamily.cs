namespace PhaseScope.Monitoring.Descriptors;

/// <summary>
/// A family of measurements (a probe, the evaluation, the diagnosis) as every reader of a run sees it: its
/// section (id, title, intro), the charts and metrics it draws, the events it emits, and how a user turns it on.
/// The HTML report, the comparison page and the terminal view iterate the families they are given and read
/// nothing else about them: adding a family edits none of them, and a family the run does not have either
/// says how to turn it on or, when <see cref="ShownWhenAbsent"/> is false, does not appear.
/// </summary>
public interface IMetricFamily
{
    /// <summary>Identifier, also the report section's id (<c>spectral</c>).</summary>
    string Id { get; }

    /// <summary>Section heading (<c>Spectral edge (seed 001)</c>).</summary>
    string Title { get; }

    /// <summary>What the section shows, one or two sentences with the equations.</summary>
    string Intro { get; }

    /// <summary>The family's metrics in plural, as a sentence names them (<c>spectral-edge metrics</c>).</summary>
    string Noun { get; }

    /// <summary>How a run gets this family (<c>grok runs it by default; --cheap-only turns it off and --spectral brings it back</c>).</summary>
    string EnabledBy { get; }

    /// <summary>Whether a run without the family still shows its section, saying how to turn it on.</summary>
    bool ShownWhenAbsent { get; }

    /// <summary>Charts in drawing order.</summary>
    IReadOnlyList<ChartDescriptor> Charts { get; }

    /// <summary>Every metric the family records.</summary>
    IReadOnlyList<MetricDescriptor> Metrics { get; }

    /// <summary>Every event kind the family emits.</summary>
    IReadOnlyList<EventDescriptor> Events { get; }

    /// <summary>The group the verdict files the family's indicators under (<c>baseline</c> for series that need no theory,
    /// <c>seed 003</c>); null: the family's <see cref="Title"/>.</summary>
    string? VerdictGroup => null;

    /// <summary>The <c>grok</c> arguments that record this family explicitly, at the settings the verdict scores its
    /// indicators at: a verdict sweep (<c>phasescope sweep</c>) gives them to every run. Empty: the sweep needs none (the
    /// family is always recorded, or is not part of the verdict's sweep).</summary>
    IReadOnlyList<string> VerdictArguments => [];

    /// <summary>The schedules (option, value) at which the verdict scores this family's indicators, denser than grok's
    /// defaults: a verdict sweep adds each one its grok arguments leave unset.</summary>
    IReadOnlyList<(string Option, string Value)> VerdictSchedules => [];
}
