using System.Globalization;
using PhaseScope.Monitoring;

namespace PhaseScope.Reporting.Evaluation;

/// <summary>
/// Seed 001's Test 7 events as the seed measured them: on weight-matrix spectra, not on the update
/// window's Gram matrix. Derived from the weight-spectra probe's stored series (<c>grok --weight-spectra</c>) and scored
/// beside every other event by <see cref="IndicatorScore"/>:
/// <list type="bullet">
/// <item><c>weight_gap23_closed</c>: the attention operator's sub-leading gap g₂₃ = σ₂² − σ₃² (from
/// <c>attn_op/BLOCK/sigma_2</c> and <c>sigma_3</c>, the same g₂₃ as the Gram tables') has fallen to at most
/// <see cref="ClosedFraction"/> of its first reading: the seed's modular-arithmetic claim that "the sub-leading gap
/// closes monotonically before grokking" (§27; its table: 1.32 → 0.18 on average).</item>
/// <item><c>weight_gap_opened</c>: σ₁/σ₂ of a query projection (<c>weights/…q_proj.weight/ratio12</c>, the seed's Dyck and
/// SCAN measurement) crosses above <see cref="OpenAbove"/> after a reading at or below it (the seed's gap opening
/// after grokking, §27).</item>
/// </list>
/// One event per block or tensor at each crossing; <see cref="Source"/> marks them as derived from stored series.
/// </summary>
public static class WeightSpectrumEvents
{
    /// <summary>Event source.</summary>
    public const string Source = "weight_spectra";
    /// <summary>Share of the first sub-leading gap below which it counts as closed.</summary>
    public const double ClosedFraction = 0.5;
    /// <summary>σ₁/σ₂ above which the top gap counts as open (the Gram detector's default threshold).</summary>
    public const double OpenAbove = 1.5;
    /// <summary>Event kinds.</summary>
    public const string Gap23Closed = "weight_gap23_closed", GapOpened = "weight_gap_opened";

    /// <summary>The events of one run from its series.</summary>
    public static IReadOnlyList<MonitorEvent> Derive(IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>> series)
    {
        var events = new List<MonitorEvent>();
        foreach (var (name, points) in series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (name.StartsWith("attn_op/", StringComparison.Ordinal) && name.EndsWith("/sigma_2", StringComparison.Ordinal)
                && series.TryGetValue(name[..^"sigma_2".Length] + "sigma_3", out var third))
            {
                var s3 = third.ToDictionary(p => p.Step, p => p.Value);
                var block = name[..^"/sigma_2".Length];
                double? first = null;
                var closedEdge = new RisingEdge();
                foreach (var (step, s2) in points)
                {
                    if (!s3.TryGetValue(step, out var v3) || !double.IsFinite(s2) || !double.IsFinite(v3)) continue;
                    double gap = s2 * s2 - v3 * v3;
                    first ??= gap;
                    if (closedEdge.Fires(first > 0 && gap <= ClosedFraction * first.Value))
                        events.Add(new MonitorEvent(step, Gap23Closed, Source, FormattableString.Invariant($"{block}: σ₂² − σ₃² = {F(gap)}, at most {ClosedFraction:P0} of its first reading {F(first.Value)}")));
                }
            }
            if (name.StartsWith("weights/", StringComparison.Ordinal) && name.EndsWith("q_proj.weight/ratio12", StringComparison.Ordinal))
            {
                var openEdge = new RisingEdge(firstCanFire: false);
                foreach (var (step, ratio) in points)
                {
                    if (!double.IsFinite(ratio)) continue;
                    if (openEdge.Fires(ratio > OpenAbove)) events.Add(new MonitorEvent(step, GapOpened, Source, $"{name}: σ₁/σ₂ = {F(ratio)} > {F(OpenAbove)}"));
                }
            }
        }
        return events;
    }

    static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
