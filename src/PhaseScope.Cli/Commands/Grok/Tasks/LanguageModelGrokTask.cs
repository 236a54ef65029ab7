using System.Globalization;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Cli.Commands.Grok.Tasks;

/// <summary>
/// The language model (<c>--task lm</c>): a small byte-level GPT on the Brown corpus (or <c>--corpus DIR</c>) with
/// nanoGPT's character-level settings scaled to two cores: 4 layers, d_model 128, 4 heads, d_ff 512, context 128,
/// batch 32, lr 1e-3, weight decay 0.1. It owns <c>--context</c>, <c>--corpus</c> and <c>--eval-windows</c> (the windows of
/// each split an evaluation reads).
/// </summary>
public sealed class LanguageModelGrokTask : GrokTask
{
    /// <inheritdoc />
    public override string Name => "lm";

    /// <inheritdoc />
    public override string Gloss => "a byte-level GPT on the Brown corpus";

    /// <inheritdoc />
    public override TaskDefaults Defaults { get; } = new(4, 128, 4, 512, 1e-3, 32, 10, 25, 8, WeightDecay: 0.1, Context: 128);

    /// <summary>
    /// <c>lm-tiny</c> is the task's default (875,520 parameters; trains on two cores). <c>lm-51m</c> is seed 001's
    /// TinyStories 51M scale (its widths are lost in the extracted text): 7 layers of d_model 768, 12 heads, d_ff 3,072,
    /// context 256 — 49.6 M in the blocks, 50.0 M in all with byte embeddings (a GPT-2 BPE vocabulary would add 38 M of
    /// embedding instead). It needs a GPU: see docs/RUNTIME.md for the CUDA package swap.
    /// </summary>
    public override IReadOnlyList<ModelPreset> Presets =>
    [
        new("lm-tiny", _ => Defaults, Misapplied("lm-tiny")),
        new("lm-51m", d => d with { Layers = 7, DModel = 768, Heads = 12, DFf = 3072, Context = 256, BatchSize = 64, LearningRate = 6e-4 }, Misapplied("lm-51m")),
    ];

    static Func<string, string> Misapplied(string preset) => task => $"--preset {preset} is a language-model shape; it applies to --task lm, not --task {task}.";

    /// <summary>A language model never groks in the trainer's sense, so the built-in forecast, fitted on grokking tasks, is off.</summary>
    public override bool BuiltInForecast => false;

    /// <inheritdoc />
    public override string RunNamePart(GrokSettings s) => string.Create(CultureInfo.InvariantCulture, $"lm-d{s.DModel}-l{s.Layers}");

    /// <inheritdoc />
    public override void Validate(GrokSettings s)
    {
        if (s.Context is not (>= 2 and <= 65_536)) throw new UsageException($"--context must lie in 2 … 65,536 tokens (got {s.Context}).");
    }

    /// <inheritdoc />
    public override void RefuseOwnSettings(GrokSettings s)
    {
        if (s.Context is not null || s.Corpus is not null || s.EvalWindows is not null) throw new UsageException("--context, --corpus and --eval-windows only apply with --task lm.");
    }

    /// <inheritdoc />
    public override void AddConfig(GrokSettings s, IDictionary<string, string> config)
    {
        config["context"] = s.Context!.Value.ToString(CultureInfo.InvariantCulture);
        config["corpus"] = s.Corpus ?? BrownCorpus.Package;
        if (s.EvalWindows is int windows) config["eval_windows"] = windows.ToString(CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public override TaskData CreateData(GrokSettings s) =>
        LanguageModelTask.Create(BrownCorpus.Load(s.Corpus, m => Console.Error.WriteLine($"phasescope: {m}")), s.Context!.Value,
            s.Corpus is null ? "lm Brown corpus (byte-level)" : $"lm {s.Corpus} (byte-level)",
            s.EvalWindows ?? LanguageModelTask.DefaultEvaluationRows);
}
