using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using PhaseScope.IO;
using PhaseScope.Monitoring;

namespace PhaseScope.Training.Resume;

/// <summary>
/// Everything a killed run needs to continue exactly where it was (<c>phasescope grok --resume</c>), written
/// next to each checkpoint of step N in the run's <c>checkpoints/</c> folder:
/// <list type="bullet">
/// <item><c>step_N.safetensors</c>: the model (the ordinary checkpoint);</item>
/// <item><c>step_N.optimizer</c>: AdamW's state (step count, first and second moments per parameter), TorchSharp's format;</item>
/// <item><c>step_N.monitor.safetensors</c>: the probes' state (<see cref="IResumableProbe"/>), when a monitor is attached;</item>
/// <item><c>step_N.resume.json</c>: this manifest, written last and atomically, with the step, the grok step, the learning
/// rate, the evaluations so far, and the length and SHA-256 of each file above.</item>
/// </list>
/// The batch order needs no state: batches come from a generator seeded with the run's seed, and resuming replays N
/// draws. A point counts only when its manifest exists and every file matches its length and hash, so a process
/// killed while writing a point leaves the previous one in force.
/// </summary>
public sealed record ResumePoint
{
    /// <summary>Manifest format version.</summary>
    public int Version { get; init; } = 1;
    /// <summary>The last optimizer step taken.</summary>
    public required long Step { get; init; }
    /// <summary>Step at which test accuracy first reached the threshold, if it did.</summary>
    public long? GrokStep { get; init; }
    /// <summary>The learning rate in use.</summary>
    public required double LearningRate { get; init; }
    /// <summary>The evaluations so far.</summary>
    public required IReadOnlyList<EvaluationPoint> Evaluations { get; init; }
    /// <summary>File name (in the checkpoint folder) → length and SHA-256.</summary>
    public required IReadOnlyDictionary<string, FileStamp> Files { get; init; }
    /// <summary>The controllers' state (null when the run has none; manifests written before controllers were saved lack it).</summary>
    public ControlState? Control { get; init; }

    /// <summary>The model checkpoint's file name.</summary>
    [JsonIgnore] public string ModelFile => ModelFileName(Step);
    /// <summary>The optimizer state's file name.</summary>
    [JsonIgnore] public string OptimizerFile => Prefix(Step) + ".optimizer";
    /// <summary>The monitor state's file name (listed in <see cref="Files"/> only when a monitor was attached).</summary>
    [JsonIgnore] public string MonitorFile => Prefix(Step) + ".monitor.safetensors";
    /// <summary>Whether the point holds a monitor state.</summary>
    [JsonIgnore] public bool HasMonitorState => Files.ContainsKey(MonitorFile);

    static string Prefix(long step) => $"step_{step.ToString("D7", CultureInfo.InvariantCulture)}";
    /// <summary>The model checkpoint of step <paramref name="step"/>.</summary>
    public static string ModelFileName(long step) => Prefix(step) + ".safetensors";
    static string ManifestName(long step) => Prefix(step) + ".resume.json";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the manifest for files already in <paramref name="directory"/> (atomically, last).</summary>
    public static ResumePoint Write(string directory, long step, long? grokStep, double learningRate,
        IReadOnlyList<EvaluationPoint> evaluations, IEnumerable<string> files, ControlState? control = null)
    {
        var stamps = files.ToDictionary(f => f, f => FileStamp.Of(Path.Combine(directory, f)), StringComparer.Ordinal);
        var point = new ResumePoint { Step = step, GrokStep = grokStep, LearningRate = learningRate, Evaluations = evaluations.ToList(), Files = stamps, Control = control };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(point, Json);
        AtomicFile.Write(Path.Combine(directory, ManifestName(step)), s => s.Write(bytes));
        return point;
    }

    /// <summary>
    /// The newest complete point in <paramref name="directory"/>, or null when there is none. Points whose manifest is
    /// unreadable or whose files are missing or differ from the manifest are skipped and described in
    /// <paramref name="skipped"/>; with <paramref name="steps"/>, only points at the steps it accepts are considered.
    /// </summary>
    public static ResumePoint? Latest(string directory, out IReadOnlyList<string> skipped, Func<long, bool>? steps = null)
    {
        var notes = new List<string>();
        skipped = notes;
        if (!Directory.Exists(directory)) return null;
        var manifests = Directory.EnumerateFiles(directory, "step_*.resume.json")
            .Select(f => (File: f, Step: long.TryParse(Path.GetFileName(f)["step_".Length..^".resume.json".Length], NumberStyles.None, CultureInfo.InvariantCulture, out long s) ? s : -1))
            .Where(m => m.Step >= 0 && (steps?.Invoke(m.Step) ?? true)).OrderByDescending(m => m.Step);
        foreach (var (file, step) in manifests)
        {
            ResumePoint? point;
            try { point = JsonSerializer.Deserialize<ResumePoint>(File.ReadAllBytes(file), Json); }
            catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
            {
                notes.Add($"{Path.GetFileName(file)}: unreadable ({e.Message})");
                continue;
            }
            if (point is null || point.Step != step || point.Version != 1 || point.Evaluations is null || point.Files is null)
            {
                notes.Add($"{Path.GetFileName(file)}: not a version-1 resume manifest for step {step}");
                continue;
            }
            var bad = point.Files.Where(kv => !kv.Value.Matches(Path.Combine(directory, kv.Key))).Select(kv => kv.Key).ToList();
            if (!point.Files.ContainsKey(point.ModelFile) || !point.Files.ContainsKey(point.OptimizerFile))
                bad.Add("(model or optimizer state not listed)");
            if (bad.Count > 0)
            {
                notes.Add($"{Path.GetFileName(file)}: {string.Join(", ", bad)} missing or changed since the manifest was written");
                continue;
            }
            return point;
        }
        return null;
    }
}

/// <summary>A file's length and SHA-256 (hex), recorded in a resume manifest.</summary>
public sealed record FileStamp(long Length, string Sha256)
{
    /// <summary>Stamps an existing file.</summary>
    public static FileStamp Of(string path)
    {
        using var s = File.OpenRead(path);
        long length = s.Length;
        return new FileStamp(length, Convert.ToHexString(SHA256.HashData(s)));
    }

    /// <summary>Whether <paramref name="path"/> exists with this length and hash.</summary>
    public bool Matches(string path)
    {
        try { return File.Exists(path) && new FileInfo(path).Length == Length && Of(path).Sha256 == Sha256; }
        catch (IOException) { return false; }
    }
}

/// <summary>
/// The state of seed 003 §11.3–11.4's controllers at a resume point: the adaptive learning rate's band (index into its
/// table; null before its first p) and early stopping's current window of (p, C_α) observations, oldest first.
/// </summary>
/// <param name="AdaptiveBand">Band index of <c>AdaptiveLearningRate</c>, or null.</param>
/// <param name="EarlyStopP">p of each observation in early stopping's window.</param>
/// <param name="EarlyStopC">C_α of each observation in the window.</param>
public sealed record ControlState(int? AdaptiveBand, IReadOnlyList<double>? EarlyStopP, IReadOnlyList<double>? EarlyStopC)
{
    /// <summary>The state of <c>--on-instability</c> and <c>--zclip</c> (<see cref="InstabilityGuard"/>; null without them, and then not written).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PhaseScope.Control.InstabilityState? Instability { get; init; }
}
