using System.CommandLine;
using PhaseScope.Cli.Options;
using PhaseScope.Training;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's optimizer options, bound in one place: <c>--optimizer adamw|muon</c>, and Muon's
/// <c>--muon-lr</c> and <c>--muon-momentum</c> (<see cref="PhaseScope.Training.Optimizers.Muon"/>). AdamW, the default,
/// stores nothing new in settings.json, so runs started before the option keep their fingerprints.
/// </summary>
public sealed class OptimizerChoice : IGrokModule
{
    /// <inheritdoc/>
    public SettingsSection? Section => null;   // stored with the trainer's settings

    readonly Option<string?> optimizer = new("--optimizer") { Description = "adamw (default) or muon: Newton–Schulz orthogonalised momentum for the hidden 2-D weights, AdamW at --lr for embeddings, read-out, biases and norms." };
    readonly Option<double?> muonLr = new OptionalNumericOption<double>("--muon-lr", $"Muon's learning rate for the hidden weights (default {PhaseScope.Training.Optimizers.Muon.DefaultLearningRate}).", new NumberRange<double>(0, 10, MinExclusive: true));
    readonly Option<double?> muonMomentum = new OptionalNumericOption<double>("--muon-momentum", $"Muon's momentum (default {PhaseScope.Training.Optimizers.Muon.DefaultMomentum}).", new NumberRange<double>(0, 1, MaxExclusive: true));

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [optimizer, muonLr, muonMomentum];

    /// <inheritdoc/>
    public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b) => s with { Trainer = Bind(r, s.Trainer) };

    /// <summary><paramref name="trainer"/> with the optimizer the user asked for (AdamW: unchanged).</summary>
    /// <exception cref="UsageException">Unknown optimizer, or Muon's options without Muon.</exception>
    public TrainerOptions Bind(ParseResult r, TrainerOptions trainer)
    {
        var name = r.GetValue(optimizer)?.Trim().ToLowerInvariant();
        if (name is not (null or TrainerOptions.AdamWName or TrainerOptions.MuonName))
            throw new UsageException($"--optimizer '{r.GetValue(optimizer)}' is not an optimizer; use {TrainerOptions.AdamWName} or {TrainerOptions.MuonName}.");
        if (name != TrainerOptions.MuonName && (r.GetValue(muonLr) is not null || r.GetValue(muonMomentum) is not null))
            throw new UsageException("--muon-lr and --muon-momentum only apply with --optimizer muon.");
        return name == TrainerOptions.MuonName
            ? trainer with { Optimizer = name, MuonLearningRate = r.GetValue(muonLr), MuonMomentum = r.GetValue(muonMomentum) }
            : trainer;
    }
}
