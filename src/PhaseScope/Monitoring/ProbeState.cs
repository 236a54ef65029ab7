using System.Globalization;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring;

/// <summary>
/// What a probe keeps between steps, written into a resume point (<see cref="PhaseMonitor.SaveState"/>) so that a
/// resumed run's probes continue where the killed run's stopped: named tensors (copied to the CPU when saved) and
/// named scalar values (stored as text, doubles round-trip exactly with "R"). A value the probe does not find on
/// load (an older resume point) reads as absent, and the probe starts that part afresh.
/// </summary>
public sealed class ProbeState
{
    readonly Dictionary<string, Tensor> tensors = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

    /// <summary>The tensors, by key.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => tensors;
    /// <summary>The scalar values, by key.</summary>
    public IReadOnlyDictionary<string, string> Values => values;

    /// <summary>Stores a copy of <paramref name="tensor"/> on the CPU (the caller keeps its own).</summary>
    public void SetTensor(string key, Tensor tensor) => tensors[key] = tensor.detach().cpu().clone().DetachFromDisposeScope();

    /// <summary>Adds a tensor this state owns (loading).</summary>
    internal void AdoptTensor(string key, Tensor tensor) => tensors[key] = tensor;

    /// <summary>The tensor under <paramref name="key"/>, or null.</summary>
    public Tensor? Tensor(string key) => tensors.GetValueOrDefault(key);

    /// <summary>Stores a text value.</summary>
    public void Set(string key, string value) => values[key] = value;
    /// <summary>Stores a double exactly.</summary>
    public void Set(string key, double value) => values[key] = value.ToString("R", CultureInfo.InvariantCulture);
    /// <summary>Stores an integer.</summary>
    public void Set(string key, long value) => values[key] = value.ToString(CultureInfo.InvariantCulture);
    /// <summary>Stores a flag.</summary>
    public void Set(string key, bool value) => values[key] = value ? "true" : "false";

    /// <summary>The text value under <paramref name="key"/>, or null.</summary>
    public string? Text(string key) => values.GetValueOrDefault(key);
    /// <summary>The double under <paramref name="key"/>, or null.</summary>
    public double? Double(string key) => values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : null;
    /// <summary>The integer under <paramref name="key"/>, or null.</summary>
    public long? Long(string key) => values.TryGetValue(key, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : null;
    /// <summary>The flag under <paramref name="key"/>, or null.</summary>
    public bool? Flag(string key) => values.TryGetValue(key, out var v) ? v == "true" : null;

    /// <summary>Stores a nullable double (absent when null).</summary>
    public void SetOptional(string key, double? value) { if (value is double v) Set(key, v); else values.Remove(key); }
    /// <summary>Stores a nullable integer (absent when null).</summary>
    public void SetOptional(string key, long? value) { if (value is long v) Set(key, v); else values.Remove(key); }
    /// <summary>Stores a nullable flag (absent when null).</summary>
    public void SetOptional(string key, bool? value) { if (value is bool v) Set(key, v); else values.Remove(key); }

    /// <summary>Releases the tensors.</summary>
    internal void DisposeTensors()
    {
        foreach (var t in tensors.Values) t.Dispose();
        tensors.Clear();
    }
}
