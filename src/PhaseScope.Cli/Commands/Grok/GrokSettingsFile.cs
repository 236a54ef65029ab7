using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// <see cref="GrokSettings"/> on disk: RUN_DIR/settings.json (written atomically, read back for <c>grok --resume</c>,
/// <c>llc</c>, <c>decompose</c> and <c>ablate</c>) and the fingerprint that tells whether a resumed run still has its
/// settings. The file is written in schema 2 (nested by module) and read in schema 1 or 2 (<see cref="GrokSettingsSchema"/>).
/// </summary>
public static class GrokSettingsFile
{
    /// <summary>The file in the run directory that holds these settings, for <c>grok --resume</c>.</summary>
    public const string FileName = "settings.json";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes RUN_DIR/settings.json (atomically), in schema 2.</summary>
    public static void Save(this GrokSettings settings, string runDirectory)
    {
        var nested = GrokSettingsSchema.Nest(JsonSerializer.SerializeToNode(settings, Json)!.AsObject());
        var bytes = System.Text.Encoding.UTF8.GetBytes(nested.ToJsonString(Json));
        PhaseScope.IO.AtomicFile.Write(Path.Combine(runDirectory, FileName), f => f.Write(bytes));
    }

    /// <summary>Config key of <see cref="Fingerprint"/> in the run store.</summary>
    public const string FingerprintKey = "settings_sha256";

    /// <summary>
    /// SHA-256 of the settings that decide what a run computes, serialised canonically: the record flat, as schema 1 stored
    /// it (indented UTF-8 JSON, enums as names, properties in declaration order), with the output directory, the name and
    /// the thread count (where and how fast, not what) left out, so a moved run, a reformatted settings.json or one
    /// migrated to schema 2 keeps its fingerprint and any edit of a setting changes it (<c>grok --resume</c> compares it).
    /// </summary>
    public static string Fingerprint(this GrokSettings settings)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(settings with { OutDirectory = "", Name = null, Threads = null }, Json);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(canonical));
    }

    /// <summary>Reads RUN_DIR/settings.json; the run directory becomes the output directory and name.</summary>
    public static GrokSettings Load(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path))
            throw new UsageException($"{runDirectory} has no {FileName}: it is not a grok run, or was started by a PhaseScope without --resume support; start it again.");
        InputPath.File(path, "", "the run's settings must be a regular file");
        GrokSettings? s;
        try
        {
            s = JsonNode.Parse(File.ReadAllBytes(path)) is JsonObject stored
                ? GrokSettingsSchema.Flatten(stored, path).Deserialize<GrokSettings>(Json)
                : throw new JsonException("the file holds no JSON object");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new UsageException($"{path} is not readable settings ({PhaseScope.Monitoring.EventText.OneLine(e.Message)}); the run cannot be resumed.");
        }
        if (s is null) throw new UsageException($"{path} is empty; the run cannot be resumed.");
        // "Trainer": null (or another required object or string set to null) would fail later with a NullReferenceException
        if (s.Trainer is null || s.Task is null || s.ScanSplit is null || s.SpectralTensors is null && s.Spectral)
            throw new UsageException($"{path} lacks a required setting (Trainer, Task, ScanSplit or SpectralTensors is null); it was edited or damaged, and the run cannot be resumed.");
        var full = Path.GetFullPath(runDirectory).TrimEnd(Path.DirectorySeparatorChar);
        return s with { OutDirectory = Path.GetDirectoryName(full) ?? ".", Name = Path.GetFileName(full) };
    }

}
