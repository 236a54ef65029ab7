using PhaseScope.Cli.Commands.Grok;
using PhaseScope.Training;

namespace PhaseScope.Tests.Cli;

/// <summary>What grok's settings hand the probes.</summary>
public class GrokSettingsTests
{
    static GrokSettings With(string? optimizer) => new()
    {
        Task = "lm", Trainer = new TrainerOptions { Optimizer = optimizer }, OutDirectory = "runs", Spectral = true,
    };

    /// <summary>Seed 001's BBP margin models update noise as AdamW's η√(s/B) per coordinate: the spectral probe gets the
    /// batch size (and so records the margin) under AdamW only; under Muon it gets 0, which the probe reads as "not reported".</summary>
    [Theory]
    [InlineData(null, 32)]
    [InlineData(TrainerOptions.AdamWName, 32)]
    [InlineData(TrainerOptions.MuonName, 0)]
    public void TheBbpMarginIsOnlyAskedForUnderAdamW(string? optimizer, int expected) =>
        Assert.Equal(expected, With(optimizer).SpectralOptions(32).BatchSize);
}
