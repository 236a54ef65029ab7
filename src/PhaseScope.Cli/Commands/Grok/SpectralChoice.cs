using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options of seed 001's family, bound in one place: the spectral-edge probe
/// (window, stride, tensors, sketch, gap thresholds, loss decomposition) and the weight spectra of Test 7. Both are on
/// by default; <c>--cheap-only</c> turns them off and <c>--spectral</c> / <c>--weight-spectra</c> bring one back. The
/// defaults are this module's constants (W and the stride follow the task: <see cref="TaskDefaults"/>); <c>forget</c>
/// builds its probe with <see cref="ProbeOptions"/>.
/// </summary>
public sealed class SpectralChoice : IGrokModule
{
    /// <summary>W of the reference modular setup (docs/SETUPS.md).</summary>
    public const int DefaultWindow = 10;
    /// <summary>Steps per update of the reference modular setup.</summary>
    public const int DefaultStride = 100;
    /// <summary>The tensors in the window: W_Q, W_K, W_V and W_O, the authors' choice.</summary>
    public const string DefaultTensors = "attention";
    /// <summary>Gap ratio at which a closed gap counts as opened.</summary>
    public const double DefaultGapOpen = 1.5;
    /// <summary>Gap ratio at which an open gap counts as collapsed.</summary>
    public const double DefaultGapCollapse = 1.2;

    /// <summary>The probe's options over <paramref name="tensors"/> (null: every tensor; <c>attention</c>, <c>all</c> or a
    /// regular expression) for training batches of <paramref name="batchSize"/> (0: no BBP margin).</summary>
    public static SpectralEdgeOptions ProbeOptions(string? tensors, int batchSize, long seed, int window = DefaultWindow, int stride = DefaultStride,
        long? sketch = null, double gapOpen = DefaultGapOpen, double gapCollapse = DefaultGapCollapse, int decompose = 0) => new()
    {
        Window = window, Stride = stride, Tensors = tensors, SketchDimension = sketch, GapOpen = gapOpen, GapCollapse = gapCollapse,
        DecompositionModes = decompose, Seed = seed, BatchSize = batchSize,
    };

    /// <inheritdoc/>
    public SettingsSection Section { get; } = SettingsSection.Of("spectral", nameof(GrokSettings.Spectral), nameof(GrokSettings.SpectralWindow),
        nameof(GrokSettings.SpectralStride), nameof(GrokSettings.SpectralTensors), nameof(GrokSettings.SpectralSketch), nameof(GrokSettings.GapOpen),
        nameof(GrokSettings.GapCollapse), nameof(GrokSettings.SpectralDecompose), nameof(GrokSettings.WeightSpectra));

    readonly Option<bool> spectral = new("--spectral") { Description = "Seed 001's spectral-edge probe: rolling-window Gram of updates, k*, gap ratio, stability, and gap_opened/gap_collapsed/k_star_shift events (on by default)." };
    readonly Option<int?> spectralWindow = new OptionalNumericOption<int>("--spectral-window", "W, updates per window (default: 10 modular, 3 dyck, 5 scan).", NumberRange<int>.AtLeast(2).CappedAt(10_000, "the updates kept in memory, one copy of the watched parameters each"));
    readonly Option<int?> spectralStride = new OptionalNumericOption<int>("--spectral-stride", "Steps per update (δ = θ_t − θ_{t−s}; default: 100 modular, 200 dyck, 500 scan).", NumberRange<int>.AtLeast(1));
    readonly Option<string> spectralTensors = new("--spectral-tensors") { Description = "Tensors in the window: attention (W_Q, W_K, W_V, W_O, the authors' choice), all, or a regular expression.", DefaultValueFactory = _ => DefaultTensors };
    readonly Option<long?> spectralSketch = new OptionalNumericOption<long>("--spectral-sketch", "Store updates sketched to this many dimensions (CountSketch) instead of exactly.", NumberRange<long>.AtLeast(1));
    readonly Option<double> gapOpen = new NumericOption<double>("--gap-open", "Gap ratio at which a closed gap counts as opened.", DefaultGapOpen, NumberRange<double>.AtLeast(1));
    readonly Option<double> gapCollapse = new NumericOption<double>("--gap-collapse", "Gap ratio at which an open gap counts as collapsed.", DefaultGapCollapse, NumberRange<double>.AtLeast(1));
    readonly Option<int> decompose = new NumericOption<int>("--spectral-decompose", "Loss decomposition (Thm. 17.1) over the top N directions per window (0: off; one extra backward on a test batch).", 0, NumberRange<int>.AtLeast(0).CappedAt(10_000, "directions of the loss decomposition (at most W)"));
    readonly Option<bool> weightSpectra = new("--weight-spectra") { Description = "On evaluation steps, record σ₁/σ₂, stable rank and power-law α of every 2-D weight and the attention operator W_Qᵀ W_K (on by default)." };

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [spectral, spectralWindow, spectralStride, spectralTensors, spectralSketch, gapOpen, gapCollapse, decompose, weightSpectra];

    /// <inheritdoc/>
    public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b) => s with
    {
        Spectral = b.AllFamilies || r.GetValue(spectral), SpectralWindow = r.GetValue(spectralWindow) ?? b.Task.SpectralWindow, SpectralStride = r.GetValue(spectralStride) ?? b.Task.SpectralStride,
        SpectralTensors = r.GetValue(spectralTensors)!, SpectralSketch = r.GetValue(spectralSketch), GapOpen = r.GetValue(gapOpen),
        GapCollapse = r.GetValue(gapCollapse), SpectralDecompose = r.GetValue(decompose), WeightSpectra = b.AllFamilies || r.GetValue(weightSpectra),
    };
}
