using System.Globalization;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Cli.Commands.Mnist;

/// <summary>The stability probe's settings of one mnist run.</summary>
/// <param name="DirectionalEvery">Steps between directional readings (0: off).</param>
/// <param name="PreconditionedEvery">Steps between λ_max(P⁻¹H) readings (0: off).</param>
/// <param name="Batch">Images of the fixed Hessian batch.</param>
public sealed record MnistStability(int DirectionalEvery, int PreconditionedEvery, int Batch)
{
    /// <summary>The probe, seeded by the run's seed; connect it to the optimizer with <see cref="StabilityProbe.Connect"/>.</summary>
    public StabilityProbe Probe(int seed) => new(new StabilityOptions
    {
        DirectionalEvery = DirectionalEvery, PreconditionedEvery = PreconditionedEvery, BatchSize = Batch, Seed = seed,
    });

    /// <summary>The run's config entries.</summary>
    public IEnumerable<KeyValuePair<string, string>> Config() =>
    [
        new("stability_every", DirectionalEvery.ToString(CultureInfo.InvariantCulture)),
        new("stability_preconditioned_every", PreconditionedEvery.ToString(CultureInfo.InvariantCulture)),
        new("stability_batch", Batch.ToString(CultureInfo.InvariantCulture)),
    ];
}
