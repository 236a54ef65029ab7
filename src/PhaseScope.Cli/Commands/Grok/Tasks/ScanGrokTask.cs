using System.Globalization;
using PhaseScope.Training.Tasks;

namespace PhaseScope.Cli.Commands.Grok.Tasks;

/// <summary>
/// SCAN (<c>--task scan</c>): commands to action sequences, an encoder–decoder scored on whole sequences. Reference
/// setup (docs/SETUPS.md): 2,048 training commands of the chosen split, 3 encoder and 3 decoder layers of d_model 256,
/// 4 heads, d_ff 512, batch 256, lr 1e-4; seed 001's spectral window W = 5 every 500 steps (its authors' code).
/// </summary>
public sealed class ScanGrokTask : GrokTask
{
    /// <inheritdoc />
    public override string Name => "scan";

    /// <inheritdoc />
    public override TaskDefaults Defaults { get; } = new(3, 256, 4, 512, 1e-4, 256, 5, 500, 8);

    /// <inheritdoc />
    public override string RunNamePart(GrokSettings s) => $"scan-{s.ScanSplit}";

    /// <inheritdoc />
    public override void Validate(GrokSettings s)
    {
        if (s.ScanSplit is not ("simple" or "length" or "addprim_jump")) throw new UsageException($"--scan-split must be simple, length or addprim_jump (got '{s.ScanSplit}').");
    }

    /// <inheritdoc />
    public override void AddConfig(GrokSettings s, IDictionary<string, string> config)
    {
        config["scan_split"] = s.ScanSplit;
        config["scan_train"] = s.ScanTrainCount.ToString(CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public override TaskData CreateData(GrokSettings s) => ScanTask.Create(ScanSplits.Named(s.ScanSplit, s.DataSeed), s.ScanTrainCount, s.DataSeed);
}
