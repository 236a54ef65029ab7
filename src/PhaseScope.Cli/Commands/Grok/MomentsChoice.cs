using System.CommandLine;
using PhaseScope.Monitoring.Probes;

namespace PhaseScope.Cli.Commands.Grok;

/// <summary>
/// The grok command's options of seed 000's moments probe, bound in one place: <c>--moments</c> (m∩, d₀, C(K,K), Q̂_α on a
/// log-spaced schedule) and <c>--moments-snapshots</c> (the plane, rank–rank sample and coupling surface). Both are on by
/// default; <c>--cheap-only</c> turns them off and either option brings the probe back. <c>forget</c> builds its probe with
/// <see cref="ProbeOptions"/>.
/// </summary>
public sealed class MomentsChoice : IGrokModule
{
    /// <summary>Moments snapshots are written every this many moments calls (each costs ≈ 10× a plain call).</summary>
    public const int SnapshotEvery = 4;

    /// <summary>The probe's options: with <paramref name="snapshots"/>, a snapshot every <see cref="SnapshotEvery"/>th call,
    /// or every call with <paramref name="everyCall"/>.</summary>
    public static MomentsOptions ProbeOptions(bool snapshots, bool everyCall = false) =>
        new() { Snapshots = snapshots, SnapshotEvery = everyCall ? 1 : SnapshotEvery };

    readonly Option<bool> moments = new Option<bool>("--moments") { Description = "Seed 000's moments probe (m∩, d0, C(K,K), Q̂_α; log-spaced schedule) and its order_gained/order_lost/q_hat_jump events (on by default; with --cheap-only, adds it)." };
    readonly Option<bool> momentsSnapshots = new Option<bool>("--moments-snapshots") { Description = "With the moments probe: also record Spearman's ρ, the spectral plane, the rank–rank sample and the coupling surface at each moments step (for the report; on by default)." };

    /// <inheritdoc/>
    public SettingsSection Section { get; } = SettingsSection.Of("moments", nameof(GrokSettings.Moments), nameof(GrokSettings.MomentsSnapshots));

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [moments, momentsSnapshots];

    /// <inheritdoc/>
    public GrokSettings Bind(ParseResult r, GrokSettings s, ModuleBinding b) => s with
    {
        Moments = b.AllFamilies || r.GetValue(moments) || r.GetValue(momentsSnapshots), MomentsSnapshots = b.AllFamilies || r.GetValue(momentsSnapshots),
    };
}
