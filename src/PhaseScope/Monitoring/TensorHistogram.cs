using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhaseScope.Monitoring;

/// <summary>
/// The histogram of one tensor's values at one step, in TensorBoard's <c>HistogramProto</c> form: B equal-width buckets
/// between <see cref="Min"/> and <see cref="Max"/>; <see cref="Limits"/>[i] is bucket i's right edge (the last is
/// <see cref="Max"/>) and <see cref="Counts"/>[i] counts the finite values x with ⌊(x − Min)/(Max − Min)·B⌋ = i (the maximum
/// in the last bucket). A tensor of one value has one bucket. Non-finite values are left out of every field and counted in
/// <see cref="NonFinite"/>.
/// </summary>
/// <param name="Tensor">The parameter's module path name.</param>
/// <param name="Min">Smallest finite value.</param>
/// <param name="Max">Largest finite value.</param>
/// <param name="Num">Number of finite values (= Σ <see cref="Counts"/>).</param>
/// <param name="Sum">Σ x over the finite values.</param>
/// <param name="SumSquares">Σ x² over the finite values.</param>
/// <param name="Counts">Values per bucket (B = its length).</param>
/// <param name="NonFinite">NaN and ±∞ values left out.</param>
public sealed record TensorHistogram(
    [property: JsonPropertyName("tensor")] string Tensor,
    [property: JsonPropertyName("min")] double Min,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("num")] double Num,
    [property: JsonPropertyName("sum")] double Sum,
    [property: JsonPropertyName("sum_squares")] double SumSquares,
    [property: JsonPropertyName("counts")] double[] Counts,
    [property: JsonPropertyName("non_finite")] long NonFinite)
{
    /// <summary>Right edges of the buckets, ascending: Min + (Max − Min)·(i + 1)/B, the last exactly Max (not stored: the run
    /// store keeps only the counts).</summary>
    [JsonIgnore]
    public double[] Limits => Enumerable.Range(0, Counts.Length).Select(i => i == Counts.Length - 1 ? Max : Min + (Max - Min) * (i + 1) / Counts.Length).ToArray();

    /// <summary>Snapshot names the histogram probes write: one snapshot per kind and step, holding every tensor's histogram.</summary>
    public const string WeightsSnapshot = "histograms/weights", GradientsSnapshot = "histograms/gradients", UpdatesSnapshot = "histograms/updates";

    /// <summary>True for the snapshot names above.</summary>
    public static bool IsHistogramSnapshot(string name) => name is WeightsSnapshot or GradientsSnapshot or UpdatesSnapshot;

    /// <summary>The payload of a histogram snapshot.</summary>
    public sealed record Set([property: JsonPropertyName("tensors")] IReadOnlyList<TensorHistogram> Tensors)
    {
        /// <summary>Reads a snapshot's JSON payload.</summary>
        /// <exception cref="JsonException">The JSON is not a histogram set.</exception>
        public static Set Parse(string json) => JsonSerializer.Deserialize<Set>(json) ?? throw new JsonException("A histogram snapshot is null.");
    }
}
