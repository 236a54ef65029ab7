using System.Globalization;
using System.Text.Json.Nodes;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The layout of settings.json (docs/RUNS.md, "settings.json, schema 2"). Schema 2, written since the family modules:
/// <c>"schema": 2</c>, then one object per section (the run's own <c>task</c>, <c>model</c>, <c>trainer</c>, <c>run</c>,
/// then each module's: <c>moments</c>, <c>spectral</c>, <c>curvature</c>, <c>consolidation</c>, and <c>stability</c>,
/// <c>llc</c>, <c>instability</c> when on), each holding its properties under their schema-1 names. Schema 1, written
/// before, is the same properties flat, with no <c>schema</c> key. Both are read: <see cref="Flatten"/> turns either into
/// the flat schema-1 object in memory, which is what <see cref="GrokSettings"/> deserialises from and what its fingerprint
/// is computed from, so a run stored under either schema keeps its fingerprint.
/// </summary>
public static class GrokSettingsSchema
{
    /// <summary>The schema this PhaseScope writes.</summary>
    public const int Current = 2;

    /// <summary>The key of the schema number (absent in schema 1).</summary>
    public const string Key = "schema";

    static readonly Lazy<IReadOnlyList<SettingsSection>> sections = new(() =>
        [.. GrokOptions.OwnSections, new SettingsSection(SettingsSection.RunName, []), .. new GrokOptions().AllModules.Select(m => m.Section).OfType<SettingsSection>()]);

    /// <summary>Every section, in the order settings.json lists them; <see cref="SettingsSection.RunName"/> takes every property
    /// no other section claims.</summary>
    public static IReadOnlyList<SettingsSection> Sections => sections.Value;

    /// <summary>The flat schema-1 object as schema 2: each property moved into its section, empty sections left out.</summary>
    public static JsonObject Nest(JsonObject flat)
    {
        var owner = Sections.SelectMany(s => s.Properties.Select(p => (p, s))).ToDictionary(x => x.p, x => x.s, StringComparer.Ordinal);
        var nested = new JsonObject { [Key] = Current };
        foreach (var section in Sections)
        {
            var members = flat.Where(kv => (owner.TryGetValue(kv.Key, out var s) ? s : null) is var o
                && (o == section || o is null && section.Name == SettingsSection.RunName)).ToList();
            if (section.IsObject)
            {
                if (members is [{ Value: { } value }]) nested[section.Name] = value.DeepClone();
                continue;
            }
            if (members.Count > 0) nested[section.Name] = new JsonObject(members.Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
        }
        return nested;
    }

    /// <summary>settings.json's object (<paramref name="path"/> names it in messages) as the flat schema-1 object: schema 1
    /// as it is, schema 2 with its sections' properties gathered.</summary>
    /// <exception cref="UsageException">An unknown schema, an unknown section, or a property given twice.</exception>
    public static JsonObject Flatten(JsonObject stored, string path)
    {
        if (!stored.TryGetPropertyValue(Key, out var number)) return stored;
        int schema = SchemaNumber(number, path);
        if (schema == 1) return new JsonObject(stored.Where(kv => kv.Key != Key).Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
        var byName = Sections.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var flat = new JsonObject();
        foreach (var (name, value) in stored)
        {
            if (name == Key) continue;
            if (!byName.TryGetValue(name, out var section))
                throw new UsageException($"{path}: '{name}' is not a section of settings schema {Current} (its sections: {string.Join(", ", Sections.Select(s => s.Name))}); it was edited or damaged, and the run cannot be resumed.");
            if (section.IsObject) { Add(flat, section.Properties[0], value, path); continue; }
            if (value is not JsonObject members)
                throw new UsageException($"{path}: section '{name}' must be an object of settings (got {Describe(value)}); it was edited or damaged, and the run cannot be resumed.");
            foreach (var (property, v) in members) Add(flat, property, v, path);
        }
        return flat;
    }

    static void Add(JsonObject flat, string property, JsonNode? value, string path)
    {
        if (flat.ContainsKey(property))
            throw new UsageException($"{path}: the setting '{property}' is given twice (in two sections); it was edited or damaged, and the run cannot be resumed.");
        flat[property] = value?.DeepClone();
    }

    static int SchemaNumber(JsonNode? number, string path)
    {
        if (number is JsonValue v && v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= 1 and <= Current) return (int)d;
        throw new UsageException($"{path}: settings schema {Describe(number)} is not one this PhaseScope reads (1, or {Current}: \"{Key}\": {Current}); the run was written by another version of PhaseScope: resume it with that version, or start it again.");
    }

    static string Describe(JsonNode? node) => node is null ? "null" : node.ToJsonString() is { Length: <= 40 } s ? s : string.Create(CultureInfo.InvariantCulture, $"a {node.GetValueKind()}");
}
