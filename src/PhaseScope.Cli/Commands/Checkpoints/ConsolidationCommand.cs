using System.Globalization;
using System.CommandLine;
using PhaseScope.Cli.Options;
using System.Text.Json;
using PhaseScope.Checkpoints;
using PhaseScope.Consolidation;
using Spectre.Console;
using static TorchSharp.torch;

namespace PhaseScope.Cli.Commands.Checkpoints;

/// <summary>
/// <c>phasescope consolidation --grads G [--json]</c>: seed 003's C_α, p, signal, noise and Hill
/// tail index from gradient samples written elsewhere (safetensors, or a PyTorch .pt/.pth dict of tensors,
/// <see cref="CheckpointFile"/>). Every floating-point tensor in the file (integer ones are skipped with a note) has a
/// leading sample dimension n (n gradient samples of that tensor, all tensors from the same n samples).
/// The tail index is taken on the mean gradient ḡ, the gradient at θ that the samples estimate
/// (the probe uses the step's gradient, which is the same thing for micro-batches). The science is
/// <see cref="ConsolidationAnalysis"/>; this command checks the file and formats (signal and noise multiplied back by
/// the analysis's scale², null in JSON when that leaves float64's range).
/// </summary>
public static class ConsolidationCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var grads = new Option<string>("--grads") { Description = "A checkpoint (.safetensors, or a PyTorch .pt/.pth dict of tensors); every floating-point tensor has shape [n, ...] (n gradient samples).", Required = true };
        var tailK = new NumericOption<int>("--tail-k", "Order statistics of the Hill estimator (seed 003 §11.5: 100).", 100, NumberRange<int>.AtLeast(1));
        var batchSize = new OptionalNumericOption<int>("--batch-size", "Examples behind one sample; with --at-batch-size, rescales the noise.", NumberRange<int>.AtLeast(1));
        var atBatch = new OptionalNumericOption<int>("--at-batch-size", "Also report C_α with the noise rescaled to gradients of this batch size (needs --batch-size).", NumberRange<int>.AtLeast(1));
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout, nothing else." };
        var cmd = new Command("consolidation", "Seed 003's consolidation ratio C_α, p and tail index from gradient samples in a checkpoint (safetensors or PyTorch).")
        {
            grads, tailK, batchSize, atBatch, json,
        };
        var check = CheckMode.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(check) ? CheckMode.Print(CheckMode.Values(r)) : Run(r.GetValue(grads)!, r.GetValue(tailK), r.GetValue(batchSize), r.GetValue(atBatch), r.GetValue(json)));
        return cmd;
    }

    static int Run(string path, int tailK, int? batchSize, int? atBatch, bool json)
    {
        InputPath.File(path, "--grads", "pass a checkpoint (.safetensors, .pt) of gradient samples");
        if (tailK < 1) throw new UsageException($"--tail-k must be at least 1 (got {tailK}).");
        if (batchSize is < 1 || atBatch is < 1) throw new UsageException("--batch-size and --at-batch-size must be positive.");
        if (atBatch is not null && batchSize is null) throw new UsageException("--at-batch-size needs --batch-size (the examples behind one sample in the file).");
        var index = CheckpointInput.Index(path, "--grads");
        var (entries, skipped) = CheckpointFile.FloatingPoint(index);
        if (index.Entries.Count == 0) throw new UsageException($"{path} holds no tensors.");
        if (entries.Count == 0) throw new UsageException($"{path} holds no floating-point tensors ({skipped}); gradient samples are F16, BF16, F32 or F64.");
        long? n = null;
        string? first = null;
        foreach (var e in entries)
        {
            if (e.Shape.Length < 1)
                throw new UsageException($"Tensor '{e.Name}' in {path} is a scalar; every tensor needs a leading sample dimension n (shape [n, ...]).");
            if (n is null) { n = e.Shape[0]; first = e.Name; }
            else if (e.Shape[0] != n)
                throw new UsageException($"Tensor '{e.Name}' in {path} has {e.Shape[0]} samples but '{first}' has {n}; all tensors must come from the same n samples.");
        }
        if (n < 2) throw new UsageException($"The tensors in {path} hold {n} gradient sample(s); C_α needs at least 2 (the covariance of one sample is undefined).");
        if (skipped is not null) Console.Error.WriteLine($"phasescope: {path}: {skipped}");

        Runtime.TorchRuntime.Initialize();
        var names = entries.Select(e => e.Name).ToArray();
        var tensors = CheckpointInput.Guard(() => CheckpointFile.Load(path, names));
        try
        {
            ConsolidationAnalysis analysis;
            try { analysis = ConsolidationAnalysis.OfSamples(names.Select(k => (k, tensors[k])).ToList(), batchSize ?? 0, tailK); }
            catch (ArgumentException e) when (e.ParamName is { } name && names.Contains(name))
            {
                throw new UsageException($"Tensor '{name}' in {path} holds NaN or ±Inf values; C_α (seed 003) is defined for finite gradient samples only. Check the training for divergence or the file for corruption.");
            }
            double scale = analysis.Scale;
            var result = Describe(analysis.Global, analysis.Tail, atBatch, scale);
            result["tensors"] = names.Select((k, i) =>
            {
                var r = analysis.PerTensor[i];
                return new Dictionary<string, object?>
                {
                    ["name"] = k, ["elements"] = analysis.Elements[i], ["signal"] = r.Signal * scale * scale, ["noise"] = r.Noise * scale * scale,
                    ["c_alpha"] = SummaryTable.Finite(r.CAlpha), ["p"] = SummaryTable.Finite(r.P),
                };
            }).ToList();
            if (json) Console.WriteLine(CliJson.Serialize(result));
            else Print(result, path);
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    static Dictionary<string, object?> Describe(ConsolidationRatio r, TailIndex tail, int? atBatch, double scale)
    {
        double s2 = scale * scale;
        var d = new Dictionary<string, object?>
        {
            ["n_samples"] = r.SampleCount,
            ["signal"] = r.Signal * s2,
            ["signal_unbiased"] = r.SignalUnbiased * s2,
            ["noise"] = r.Noise * s2,
            ["rescaled_by"] = scale == 1 ? null : scale,
            ["c_alpha"] = SummaryTable.Finite(r.CAlpha),
            ["c_alpha_unbiased"] = SummaryTable.Finite(r.CAlphaUnbiased),
            ["c_alpha_infinite"] = double.IsPositiveInfinity(r.CAlpha), // tells +∞ (null c_alpha) from undefined
            ["p"] = SummaryTable.Finite(r.P),
            ["p_unbiased"] = SummaryTable.Finite(r.PUnbiased),
            ["state"] = double.IsNaN(r.P) ? null : r.State.Label(),
            ["tail_k"] = tail.Order,
            ["tail_index"] = SummaryTable.Finite(tail.Alpha),
            ["tail_index_clipped"] = SummaryTable.Finite(tail.AlphaClipped),
            ["d_h"] = SummaryTable.Finite(tail.EffectiveDimension),
        };
        if (atBatch is int b)
        {
            var at = r.AtBatchSize(b);
            d["at_batch_size"] = b;
            d["c_alpha_at_batch"] = SummaryTable.Finite(at.CAlpha);
            d["p_at_batch"] = SummaryTable.Finite(at.P);
        }
        return d;
    }

    static void Print(Dictionary<string, object?> result, string path)
    {
        AnsiConsole.Write(SummaryTable.Of($"[bold]consolidation of {TerminalText.Markup(Path.GetFileName(path))}[/]", result, "G6", "tensors"));
        var per = new Table().AddColumns("tensor", "elements", "signal", "noise", "C_α", "p");
        foreach (var t in (List<Dictionary<string, object?>>)result["tensors"]!)
            per.AddRow(TerminalText.Markup((string)t["name"]!), Convert.ToString(t["elements"], CultureInfo.InvariantCulture)!, ((double)t["signal"]!).ToString("G4", CultureInfo.InvariantCulture), ((double)t["noise"]!).ToString("G4", CultureInfo.InvariantCulture),
                t["c_alpha"] is double c ? c.ToString("G4", CultureInfo.InvariantCulture) : "-", t["p"] is double p ? p.ToString("F3", CultureInfo.InvariantCulture) : "-");
        AnsiConsole.Write(per);
    }
}
