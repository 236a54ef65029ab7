namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// One section of settings.json's schema 2 (docs/ARCHITECTURE.md, "Family modules for the command line"): the
/// <see cref="GrokSettings"/> properties a module owns, stored together under <see cref="Name"/> with their v1 names, so
/// that migrating between the schemas regroups properties and renames none. A section <see cref="IsObject"/> holds one property whose value is an object
/// (<c>Trainer</c>, <c>Llc</c>, <c>Instability</c>): that object is the section itself.
/// </summary>
/// <param name="Name">The section's key in settings.json (lower case, e.g. <c>consolidation</c>).</param>
/// <param name="Properties">The <see cref="GrokSettings"/> properties it holds, by their serialised names.</param>
/// <param name="IsObject">The section is the value of its single property.</param>
public sealed record SettingsSection(string Name, IReadOnlyList<string> Properties, bool IsObject = false)
{
    /// <summary>The section that catches every property no other section claims: the run's own settings.</summary>
    public const string RunName = "run";

    /// <summary>A section of several properties.</summary>
    public static SettingsSection Of(string name, params string[] properties) => new(name, properties);

    /// <summary>A section that is the object held by <paramref name="property"/>.</summary>
    public static SettingsSection Object(string name, string property) => new(name, [property], IsObject: true);
}
