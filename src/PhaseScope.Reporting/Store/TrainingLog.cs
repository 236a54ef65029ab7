using System.Globalization;
using System.Text.Json;
using PhaseScope.Monitoring;

namespace PhaseScope.Reporting.Store;

/// <summary>
/// A training log written elsewhere — CSV with a header row, or JSON Lines (one object per line) — read into the metric
/// names PhaseScope's diagnosis and report use. A <c>step</c> column (or <c>global_step</c>, <c>iteration</c>) is required;
/// columns are matched case-insensitively:
/// <list type="bullet">
/// <item><c>loss</c>, <c>train_loss</c>, <c>training_loss</c> → <c>loss</c> and <c>eval/train_loss</c>;</item>
/// <item><c>accuracy</c>, <c>acc</c>, <c>train_acc</c>, <c>train_accuracy</c> → <c>eval/train_acc</c>;</item>
/// <item><c>val_loss</c>, <c>test_loss</c>, <c>eval_loss</c>, <c>validation_loss</c> → <c>eval/test_loss</c>;</item>
/// <item><c>val_acc</c>, <c>val_accuracy</c>, <c>test_acc</c>, <c>test_accuracy</c>, <c>eval_acc</c>, <c>eval_accuracy</c> → <c>eval/test_acc</c>;</item>
/// <item>any other numeric column NAME → <c>log/NAME</c>.</item>
/// </list>
/// Empty cells, <c>nan</c> and non-numeric values are skipped; numbers are read with the invariant culture. A row whose step
/// is not a non-negative integer is refused with its line number (<see cref="InvalidDataException"/>).
/// </summary>
public static class TrainingLog
{
    static readonly Dictionary<string, string[]> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["loss"] = ["loss", EvaluationMetrics.TrainLoss], ["train_loss"] = ["loss", EvaluationMetrics.TrainLoss], ["training_loss"] = ["loss", EvaluationMetrics.TrainLoss],
        ["accuracy"] = [EvaluationMetrics.TrainAcc], ["acc"] = [EvaluationMetrics.TrainAcc], ["train_acc"] = [EvaluationMetrics.TrainAcc], ["train_accuracy"] = [EvaluationMetrics.TrainAcc],
        ["val_loss"] = [EvaluationMetrics.TestLoss], ["test_loss"] = [EvaluationMetrics.TestLoss], ["eval_loss"] = [EvaluationMetrics.TestLoss], ["validation_loss"] = [EvaluationMetrics.TestLoss],
        ["val_acc"] = [EvaluationMetrics.TestAcc], ["val_accuracy"] = [EvaluationMetrics.TestAcc], ["test_acc"] = [EvaluationMetrics.TestAcc],
        ["test_accuracy"] = [EvaluationMetrics.TestAcc], ["eval_acc"] = [EvaluationMetrics.TestAcc], ["eval_accuracy"] = [EvaluationMetrics.TestAcc],
    };

    static readonly string[] StepColumns = ["step", "global_step", "iteration"];

    /// <summary>The records of <paramref name="path"/> (<c>.jsonl</c>/<c>.ndjson</c>: JSON Lines, else CSV), ordered by step.</summary>
    /// <exception cref="InvalidDataException">No step column, or a row with a bad step; the message names the line.</exception>
    public static List<MetricRecord> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        bool jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);
        var records = jsonl ? ReadJsonLines(path, lines) : ReadCsv(path, lines);
        return records.OrderBy(r => r.Step).ToList();
    }

    /// <summary>The stored names of column <paramref name="column"/>.</summary>
    public static IReadOnlyList<string> NamesOf(string column) => Known.TryGetValue(column, out var names) ? names : [$"log/{column}"];

    static List<MetricRecord> ReadCsv(string path, string[] lines)
    {
        var rows = lines.Select((l, i) => (Line: l, Number: i + 1)).Where(r => r.Line.Trim().Length > 0).ToList();
        if (rows.Count == 0) throw new InvalidDataException($"{path} is empty; a metrics CSV starts with a header row such as step,loss,accuracy.");
        var header = Split(rows[0].Line);
        int stepColumn = Array.FindIndex(header, h => StepColumns.Contains(h, StringComparer.OrdinalIgnoreCase));
        if (stepColumn < 0) throw new InvalidDataException($"{path}: the header ({string.Join(",", header)}) has no step column; name one 'step'.");
        var records = new List<MetricRecord>();
        foreach (var (line, number) in rows.Skip(1))
        {
            var cells = Split(line);
            long step = Step(path, number, stepColumn < cells.Length ? cells[stepColumn] : "");
            for (int c = 0; c < header.Length && c < cells.Length; c++)
                if (c != stepColumn && Number(cells[c]) is double v)
                    foreach (var name in NamesOf(header[c])) records.Add(new MetricRecord(step, name, v));
        }
        return records;
    }

    static List<MetricRecord> ReadJsonLines(string path, string[] lines)
    {
        var records = new List<MetricRecord>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(lines[i]); }
            catch (JsonException e) { throw new InvalidDataException($"{path} line {i + 1} is not JSON ({e.Message.Split('.')[0]})."); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path} line {i + 1} is not a JSON object.");
                var props = doc.RootElement.EnumerateObject().ToList();
                var stepProp = props.FirstOrDefault(p => StepColumns.Contains(p.Name, StringComparer.OrdinalIgnoreCase));
                if (stepProp.Value.ValueKind == JsonValueKind.Undefined) throw new InvalidDataException($"{path} line {i + 1} has no \"step\".");
                long step = Step(path, i + 1, stepProp.Value.ToString());
                foreach (var p in props)
                    if (p.Name != stepProp.Name && p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out double v) && double.IsFinite(v))
                        foreach (var name in NamesOf(p.Name)) records.Add(new MetricRecord(step, name, v));
            }
        }
        return records;
    }

    static string[] Split(string line) => line.Split(',').Select(c => c.Trim().Trim('"').Trim()).ToArray();

    static long Step(string path, int line, string cell)
    {
        if (long.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out long s)) return s;
        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d >= 0 && d == Math.Floor(d) && d < 9e15) return (long)d;
        throw new InvalidDataException($"{path} line {line}: step '{cell}' is not a non-negative integer.");
    }

    static double? Number(string cell) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;
}
