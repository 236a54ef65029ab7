using System.Text.Json;

namespace PhaseScope.Reporting.Store;

/// <summary>
/// What names a run in files exported from it, so that many runs' exports can be concatenated and still told apart: its
/// name, kind and status, the settings fingerprint (<see cref="FingerprintKey"/> in its config, or the newest one a
/// <c>settings_changed</c> event accepted on resume; null for runs without one), its config table, the text of
/// <c>RUN/settings.json</c> when the run has one, and its summary.
/// </summary>
/// <param name="Name">Run name.</param>
/// <param name="Kind">What produced it, e.g. <c>grok</c>.</param>
/// <param name="Status">The run's status.</param>
/// <param name="Fingerprint">SHA-256 of the settings that ran, or null.</param>
/// <param name="Config">The config table.</param>
/// <param name="SettingsJson">RUN/settings.json as written, or null.</param>
/// <param name="SummaryJson">The summary, or null before completion.</param>
public sealed record RunIdentity(string Name, string Kind, string Status, string? Fingerprint, IReadOnlyDictionary<string, string> Config,
    string? SettingsJson, string? SummaryJson)
{
    /// <summary>The config key of the settings fingerprint (what <c>grok</c> stores).</summary>
    public const string FingerprintKey = "settings_sha256";

    /// <summary>The settings file of a run that has one.</summary>
    public const string SettingsFile = "settings.json";

    /// <summary>Reads the identity of <paramref name="run"/>.</summary>
    public static RunIdentity Of(RunReader run)
    {
        var info = run.Info();
        var config = run.Config();
        string? fingerprint = config.GetValueOrDefault(FingerprintKey);
        foreach (var (e, _) in run.Events())
            if (e.Kind == "settings_changed" && e.Message.LastIndexOf("fingerprint ", StringComparison.Ordinal) is int i and >= 0)
                fingerprint = e.Message[(i + "fingerprint ".Length)..].TrimEnd('.');
        var settingsPath = Path.Combine(run.Directory, SettingsFile);
        string? settings = File.Exists(settingsPath) ? File.ReadAllText(settingsPath) : null;
        return new RunIdentity(info.Name, info.Kind, info.Status, fingerprint, config, settings, info.SummaryJson);
    }

    /// <summary>Parquet file key-value metadata: <c>phasescope.run</c>, <c>.kind</c>, <c>.status</c>, <c>.fingerprint</c> (when
    /// known), <c>.config</c> (the config table as a JSON object), <c>.settings</c> (settings.json, when present) and
    /// <c>.summary</c> (when present).</summary>
    public Dictionary<string, string> Metadata()
    {
        var d = new Dictionary<string, string>
        {
            ["phasescope.run"] = Name,
            ["phasescope.kind"] = Kind,
            ["phasescope.status"] = Status,
            ["phasescope.config"] = JsonSerializer.Serialize(Config.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value)),
        };
        if (Fingerprint is not null) d["phasescope.fingerprint"] = Fingerprint;
        if (SettingsJson is not null) d["phasescope.settings"] = SettingsJson;
        if (SummaryJson is not null) d["phasescope.summary"] = SummaryJson;
        return d;
    }
}
