namespace PhaseScope.Cli.Commands;

/// <summary>
/// The reference setup of each grokking task (docs/SETUPS.md; spectral window and stride from the seed 001
/// authors' code: modular W = 10 every 100 steps, Dyck W = 3 every 200, SCAN W = 5 every 500), used for every option the
/// user leaves out. Micro-batches for seed 003's consolidation probe must divide the batch: Dyck's 50 gets 5.
/// </summary>
/// The language model (<c>lm</c>) is a small byte-level GPT on the Brown corpus with nanoGPT's character-level
/// settings scaled to two cores: 4 layers, d_model 128, 4 heads, d_ff 512, context 128, batch 32, lr 1e-3, weight decay 0.1.
public sealed record TaskDefaults(int Layers, int DModel, int Heads, int DFf, double LearningRate, int BatchSize,
    int SpectralWindow, int SpectralStride, int MicroBatches, double WeightDecay = 1.0, int Context = 0)
{
    /// <summary>The tasks <c>grok</c> and <c>sweep</c> know.</summary>
    public static readonly string[] Tasks = ["modular", "dyck", "scan", "lm"];

    /// <summary>Defaults of <paramref name="task"/> (modular, dyck, scan).</summary>
    public static TaskDefaults For(string task) => task switch
    {
        "dyck" => new(2, 128, 4, 256, 1e-3, 50, 3, 200, 5),
        "scan" => new(3, 256, 4, 512, 1e-4, 256, 5, 500, 8),
        "lm" => new(4, 128, 4, 512, 1e-3, 32, 10, 25, 8, WeightDecay: 0.1, Context: 128),
        _ => new(2, 128, 4, 256, 1e-3, 512, 10, 100, 8),
    };

    /// <summary>Model-shape presets (<c>grok --preset</c>), each a change of the task's defaults that explicit options still override.</summary>
    public static readonly string[] Presets = ["seed001-test7", "lm-tiny", "lm-51m"];

    /// <summary>
    /// <paramref name="defaults"/> with preset <paramref name="name"/> applied. <c>seed001-test7</c> is the model of seed 001's
    /// Test 7 on modular arithmetic (§27: "1-layer transformer, 400K parameters"; the seed gives no widths): one layer,
    /// d_model 176, 4 heads, d_ff 704 = 4·d_model, which is 409,649 parameters at p = 97 (the reference modular model,
    /// 2 layers of d_model 128 and d_ff 256, has about 290K).
    /// <c>lm-tiny</c> is the lm task's default (875,520 parameters; trains on two cores). <c>lm-51m</c> is seed 001's
    /// TinyStories 51M scale (its widths are lost in the extracted text): 7 layers of d_model 768, 12 heads, d_ff 3,072,
    /// context 256 — 49.6 M in the blocks, 50.0 M in all with byte embeddings (a GPT-2 BPE vocabulary would add 38 M of
    /// embedding instead). It needs a GPU: see docs/RUNTIME.md for the CUDA package swap.
    /// </summary>
    /// <exception cref="UsageException">Unknown preset, or one for another task.</exception>
    public static TaskDefaults WithPreset(string task, string name, TaskDefaults defaults) => name switch
    {
        "seed001-test7" when task == "modular" => defaults with { Layers = 1, DModel = 176, Heads = 4, DFf = 704 },
        "seed001-test7" => throw new UsageException($"--preset seed001-test7 is the modular-arithmetic model of seed 001's Test 7; it does not apply to --task {task}."),
        "lm-tiny" when task == "lm" => For("lm"),
        "lm-51m" when task == "lm" => defaults with { Layers = 7, DModel = 768, Heads = 12, DFf = 3072, Context = 256, BatchSize = 64, LearningRate = 6e-4 },
        "lm-tiny" or "lm-51m" => throw new UsageException($"--preset {name} is a language-model shape; it applies to --task lm, not --task {task}."),
        _ => throw new UsageException($"Unknown --preset '{name}'. Known: {string.Join(", ", Presets)}."),
    };

    /// <summary>The largest k in 8…2 that divides a batch of <paramref name="batch"/> (null: none does): the micro-batch count
    /// of a consolidation probe that is on by default (<c>grok</c>'s when 8 does not divide its batch, <c>forget</c>'s).</summary>
    public static int? DividingMicroBatches(long batch) => PhaseScope.Monitoring.Probes.ConsolidationOptions.DividingMicroBatches(batch);

    /// <summary>Throws <see cref="UsageException"/> naming the known tasks.</summary>
    public static void Check(string task)
    {
        if (!Tasks.Contains(task)) throw new UsageException($"Unknown task '{task}'. Use --task modular, dyck, scan or lm.");
    }
}
