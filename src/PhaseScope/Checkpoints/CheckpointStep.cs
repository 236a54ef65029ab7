using System.Globalization;
using System.Text.RegularExpressions;

namespace PhaseScope.Checkpoints;

/// <summary>
/// The training step of a checkpoint, from its file name or else its metadata. File names, after the extensions
/// <c>.safetensors .pt .pth .ckpt .bin .tar</c> are removed:
/// <list type="number">
/// <item>a number after <c>step</c>, <c>global_step</c>, <c>iter</c> or <c>iteration</c> (joined by <c>=</c>, <c>_</c>,
/// <c>-</c> or nothing), wherever it is: <c>step_1000.pt</c>, <c>epoch=3-step=1200.ckpt</c> (Lightning),
/// <c>global_step1200.pt</c>, <c>iter_500.pth</c>;</item>
/// <item>else the name's only number: <c>ckpt-1000.safetensors</c>, <c>model_00001000.pth</c>, <c>checkpoint-42.pt</c>,
/// unless it follows <c>epoch</c> (<c>epoch_3.pt</c>: an epoch is not a step).</item>
/// </list>
/// Two different keyed numbers (<c>step_10_step_20</c>) or several unkeyed ones (<c>gpt2_1000.pt</c>) are ambiguous and
/// refused with the reason; metadata keys <c>step</c> and <c>global_step</c> (safetensors <c>__metadata__</c>, a PyTorch
/// training checkpoint's integer entries) are read when the name gives no step.
/// </summary>
public static partial class CheckpointStep
{
    static readonly string[] Extensions = [".safetensors", ".pt", ".pth", ".ckpt", ".bin", ".tar"];

    [GeneratedRegex(@"(?<![A-Za-z])(?:global_step|step|iteration|iter)[=_\-]?(\d+)(?!\d)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Keyed();

    [GeneratedRegex(@"\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();

    [GeneratedRegex(@"epoch[=_\-]?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EpochBefore();

    /// <summary>The name without its checkpoint extensions.</summary>
    public static string Stem(string fileName)
    {
        var stem = Path.GetFileName(fileName);
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var ext in Extensions)
                if (stem.Length > ext.Length && stem.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { stem = stem[..^ext.Length]; changed = true; }
        }
        return stem;
    }

    /// <summary>The step in <paramref name="fileName"/>, or null with <paramref name="problem"/> saying why not.</summary>
    public static long? FromName(string fileName, out string? problem)
    {
        var stem = Stem(fileName);
        var keyed = Keyed().Matches(stem).Select(m => m.Groups[1].Value).ToList();
        if (keyed.Count > 0)
        {
            var values = keyed.Select(Parse).Distinct().ToList();
            if (values.Count > 1 || values[0] is null)
            {
                problem = values.Contains(null) ? $"the step in '{fileName}' does not fit in 64 bits" : $"'{fileName}' names several steps ({string.Join(", ", keyed)})";
                return null;
            }
            problem = null;
            return values[0];
        }
        var numbers = Digits().Matches(stem).ToList();
        if (numbers.Count == 0) { problem = $"'{fileName}' holds no number"; return null; }
        if (numbers.Count > 1) { problem = $"'{fileName}' holds several numbers ({string.Join(", ", numbers.Select(n => n.Value))}); name the step, e.g. step_{numbers[^1].Value}"; return null; }
        if (EpochBefore().IsMatch(stem[..numbers[0].Index])) { problem = $"'{fileName}' numbers an epoch, not a step; name the step, e.g. epoch=3-step=1200"; return null; }
        problem = Parse(numbers[0].Value) is null ? $"the number in '{fileName}' does not fit in 64 bits" : null;
        return Parse(numbers[0].Value);
    }

    /// <summary>The step of a checkpoint: its name's, else its metadata's <c>step</c> or <c>global_step</c>; null with the reason otherwise.</summary>
    public static long? Of(string path, IReadOnlyDictionary<string, string>? metadata, out string? problem, out string source)
    {
        source = "file name";
        if (FromName(path, out problem) is long step) return step;
        foreach (var key in new[] { "step", "global_step" })
            if (metadata is not null && metadata.TryGetValue(key, out var v) && Parse(v) is long m)
            {
                source = $"metadata '{key}'";
                problem = null;
                return m;
            }
        return null;
    }

    static long? Parse(string digits) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : null;
}
