using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhaseScope.Cli;

/// <summary>
/// JSON as the commands print and store it. JSON has no NaN or ±∞, so every non-finite double or float is written as
/// <c>null</c> (documented in docs/RELIABILITY.md, "Numbers in JSON"): a reader tells an undefined figure from a value
/// by the null, and where the difference between +∞ and NaN matters the output carries a flag beside it (e.g.
/// consolidation's <c>c_alpha_infinite</c>). Without this, one infinite figure made System.Text.Json throw and the
/// command exit 1 after its work was done.
/// </summary>
public static class CliJson
{
    static readonly JsonSerializerOptions Options = new() { Converters = { new NonFiniteAsNullDouble(), new NonFiniteAsNullSingle() } };

    /// <summary>The value as one line of JSON, non-finite numbers as null.</summary>
    public static string Serialize(object? value) => JsonSerializer.Serialize(value, Options);

    sealed class NonFiniteAsNullDouble : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();
        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }

    sealed class NonFiniteAsNullSingle : JsonConverter<float>
    {
        public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetSingle();
        public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
        {
            if (float.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}
