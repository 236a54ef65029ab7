using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using PhaseScope.Reporting.Outputs.Text;
using System.Text.Json;

namespace PhaseScope.Reporting.Query;

/// <summary>
/// Writes a <see cref="QueryResult"/> as an aligned text table, CSV (<see cref="CsvText"/>: RFC 4180, formula-neutralised
/// text) or JSON (an array of objects, one per row). Numbers are invariant-culture round-trip; NULL is <c>NULL</c> in the
/// table, an empty cell in CSV and <c>null</c> in JSON, where NaN and ±∞ (which JSON cannot hold) are <c>null</c> too; lists,
/// maps and structs are JSON text in the table and CSV.
/// </summary>
public static class QueryOutput
{
    /// <summary>The formats.</summary>
    public static readonly IReadOnlyList<string> Formats = ["table", "csv", "json"];

    /// <summary>Writes <paramref name="result"/> in <paramref name="format"/> (one of <see cref="Formats"/>).</summary>
    public static void Write(QueryResult result, string format, TextWriter output)
    {
        switch (format)
        {
            case "table": Table(result, output); break;
            case "csv": Csv(result, output); break;
            case "json": Json(result, output); break;
            default: throw new ArgumentOutOfRangeException(nameof(format), format, $"one of {string.Join(", ", Formats)}");
        }
    }

    static void Table(QueryResult result, TextWriter output)
    {
        var cells = result.Rows.Select(r => r.Select(v => v is null ? "NULL" : Text(v)).ToArray()).ToList();
        var numeric = Enumerable.Range(0, result.Columns.Count).Select(i => result.Rows.All(r => r[i] is null or double or float or long or int or short or sbyte or byte or ulong or uint or ushort or decimal or BigInteger)).ToArray();
        var widths = Enumerable.Range(0, result.Columns.Count).Select(i => cells.Select(c => c[i].Length).Append(result.Columns[i].Length).Max()).ToArray();
        string Line(IReadOnlyList<string> row, bool header) =>
            string.Join("  ", row.Select((c, i) => numeric[i] && !header ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(result.Columns, true));
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in cells) output.WriteLine(Line(row, false));
        output.WriteLine($"({result.Rows.Count} row{(result.Rows.Count == 1 ? "" : "s")})");
    }

    static void Csv(QueryResult result, TextWriter output)
    {
        output.WriteLine(string.Join(",", result.Columns.Select(CsvText.Of)));
        foreach (var row in result.Rows)
            output.WriteLine(string.Join(",", row.Select(v => v switch
            {
                null => "",
                double d => CsvText.Number(d),
                float f => CsvText.Number(f),
                string s => CsvText.Of(s),
                _ when IsNumber(v) => Text(v),
                _ => CsvText.Of(Text(v)),
            })));
    }

    static void Json(QueryResult result, TextWriter output)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var row in result.Rows)
            {
                w.WriteStartObject();
                for (int i = 0; i < row.Length; i++)
                {
                    w.WritePropertyName(result.Columns[i]);
                    Value(w, row[i]);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    static void Value(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case double d: if (double.IsFinite(d)) w.WriteNumberValue(d); else w.WriteNullValue(); break;
            case float f: if (float.IsFinite(f)) w.WriteNumberValue(f); else w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case long or int or short or sbyte or byte or ulong or uint or ushort or decimal or BigInteger: w.WriteRawValue(Text(v)); break;
            case IDictionary map:
                w.WriteStartObject();
                foreach (DictionaryEntry e in map)
                {
                    w.WritePropertyName(Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "");
                    Value(w, e.Value);
                }
                w.WriteEndObject();
                break;
            case IEnumerable list and not byte[]:
                w.WriteStartArray();
                foreach (var item in list) Value(w, item);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(Text(v)); break;
        }
    }

    static bool IsNumber(object v) => v is long or int or short or sbyte or byte or ulong or uint or ushort or decimal or BigInteger;

    /// <summary>One value as text: numbers invariant round-trip, times ISO 8601, nested values as JSON.</summary>
    static string Text(object v) => v switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        string s => s,
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToHexString(bytes),
        Stream stream => Hex(stream),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IDictionary or IEnumerable => NestedJson(v),
        _ => v.ToString() ?? "",
    };

    static string Hex(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Convert.ToHexString(copy.ToArray());
    }

    static string NestedJson(object v)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) Value(w, v);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
