using PhaseScope.Moments;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Seed 000's extremal and coupling statistics during training, on the parameters θ and gradients g
/// after backward. Per tensor (when asked) and globally, the global values merged exactly from
/// per-tensor partials (<see cref="ExtremalPartial"/>, <see cref="CouplingPartial"/>):
/// <c>moments/m_cap</c> (m∩, Thm 4.7), <c>moments/d0</c>, <c>moments/beta</c>, <c>moments/beta_g</c>,
/// <c>moments/topological</c>, <c>moments/phase</c> (0 ordered, 1 quasi-ordered, 2 disordered: <see cref="PhaseReading"/>), the diagonal coupling <c>moments/C_diag@K</c> = C(K, K) and
/// <c>moments/q_hat@K</c> = Q̂_α(K) = −C(K,K)/log K (Cor. 6.4) for each K &gt; 1 of <see cref="Orders"/>.
/// NaN or ±Inf in θ or g gives a <c>non_finite_values</c> event and no metrics for that call; training goes on.
/// Events: <c>order_gained</c> / <c>order_lost</c> when the global m∩ changes between 0 and ≥ 1 (the
/// ordered/disordered phases of §5), and <c>q_hat_jump</c> when Q̂_α at the largest order changes between
/// two calls by at least <see cref="QHatJump"/> × max(1, |previous Q̂_α|) (§6.3: a sudden increase signals
/// phase reversal). The seed gives no threshold; the relative form is PhaseScope's: in the disordered
/// regime Q̂_α(K) ≈ K·d₀/log K is large and moves with d₀ (measured: 17.7–23.8 over the first 8 steps of
/// the reference modular run), so an absolute threshold would fire at every call.
/// Cost: one pass per order for each of M and G and one per diagonal point, per tensor (the exact
/// reference; the full K×L surface is left to offline analysis).
/// </summary>
public sealed class MomentsProbe : IProbe
{
    long? lastIntersection;
    double? lastQHat;

    /// <summary>Creates the probe.</summary>
    /// <param name="schedule">When to run (default: log-spaced, 10 per decade, at most every 100 steps).</param>
    /// <param name="orders">Orders K of the diagonal C(K, K) (default 2, 4, 8, 16, 32; seed 000 uses K ∈ [10, 50] for Q̂_α).</param>
    /// <param name="qHatJump">Smallest change of Q̂_α between calls reported as an event, relative to max(1, |Q̂_α|).</param>
    /// <param name="perTensor">Also write per-tensor m∩, d₀ and Q̂_α.</param>
    public MomentsProbe(ProbeSchedule? schedule = null, IReadOnlyList<double>? orders = null, double qHatJump = 0.5, bool perTensor = false)
    {
        Orders = (orders ?? [2, 4, 8, 16, 32]).Distinct().Order().ToArray();
        LogSpace.ValidateOrders(Orders, nameof(orders));
        if (!(qHatJump > 0)) throw new ArgumentOutOfRangeException(nameof(qHatJump), qHatJump, "The Q̂_α jump threshold must be positive.");
        Schedule = schedule ?? ProbeSchedule.LogSpaced(10, 100);
        QHatJump = qHatJump;
        PerTensor = perTensor;
    }

    /// <summary>Orders K of the diagonal.</summary>
    public double[] Orders { get; }
    /// <summary>Event threshold for Q̂_α.</summary>
    public double QHatJump { get; }
    /// <summary>Whether per-tensor metrics are written.</summary>
    public bool PerTensor { get; }

    /// <inheritdoc />
    public string Name => "moments";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Gradients;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        ExtremalPartial? extremal = null;
        DiagonalCoupling? diagonal = null;
        for (int i = 0; i < context.Parameters.Count; i++)
        {
            if (context.Gradient(i) is not { } g) continue;
            var theta = context.Parameters[i].Value;
            ExtremalPartial e;
            DiagonalCoupling d;
            try
            {
                e = ExtremalPartial.Of(theta, g);
                d = DiagonalCoupling.Of(theta, g, Orders);
            }
            catch (NonFiniteValuesException)
            {
                // Moments are undefined; say so once for this call and leave training alone (issue 3).
                output.Event("non_finite_values", $"θ or g of '{context.Parameters[i].Name}' holds NaN or ±Inf; moments skipped at this step.");
                return;
            }
            if (PerTensor) Write(output, $"/{context.Parameters[i].Name}", e.Finish(), d.Finish());
            extremal = extremal is null ? e : extremal.Merge(e);
            diagonal = diagonal is null ? d : diagonal.Merge(d);
        }
        if (extremal is null || diagonal is null) return;

        var x = extremal.Finish();
        var diag = diagonal.Finish();
        var qHat = Write(output, "", x, diag);
        if (diag.Any(p => p.Order > 1)) output.Metric("moments/phase", (int)PhaseReading.From(x, diag.Where(p => p.Order > 1).ToArray()).Phase);
        if (lastIntersection is long before && (before == 0) != (x.Intersection == 0))
            output.Event(x.Intersection > 0 ? "order_gained" : "order_lost", x.Intersection > 0
                ? $"m∩ = {x.Intersection}: a parameter of largest magnitude now also has the largest gradient (ordered phase, seed 000 Thm 4.8)."
                : $"m∩ = 0: the largest parameters and the largest gradients are disjoint (disordered phase); d₀ = {x.D0:G4}.");
        if (lastQHat is double q && double.IsFinite(q) && double.IsFinite(qHat) && Math.Abs(qHat - q) >= QHatJump * Math.Max(1, Math.Abs(q)))
            output.Event("q_hat_jump", $"Q̂_α({Orders.Where(k => k > 1).DefaultIfEmpty(double.NaN).Max():G}) moved from {q:G4} to {qHat:G4} (threshold {QHatJump:G} × max(1, |Q̂_α|)).");
        lastIntersection = x.Intersection;
        lastQHat = qHat;
    }

    /// <summary>Writes one set of metrics; returns Q̂_α at the largest order &gt; 1 (NaN if none).</summary>
    double Write(ProbeOutput output, string suffix, ExtremalStatistics x, (double Order, double Coupling)[] diagonal)
    {
        output.Metric($"moments/m_cap{suffix}", x.Intersection);
        output.Metric($"moments/d0{suffix}", x.D0);
        if (suffix.Length == 0)
        {
            output.Metric("moments/beta", x.Beta);
            output.Metric("moments/beta_g", x.BetaGrad);
            output.Metric("moments/topological", x.TopologicalConstant);
        }
        double qHat = double.NaN;
        foreach (var (k, c) in diagonal)
        {
            if (suffix.Length == 0) output.Metric($"moments/C_diag@{k:G}", c);
            if (k <= 1) continue;
            qHat = -c / Math.Log(k);
            output.Metric($"moments/q_hat@{k:G}{suffix}", qHat);
        }
        return qHat;
    }
}
