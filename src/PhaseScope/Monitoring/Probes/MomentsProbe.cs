using PhaseScope.Moments.Fast;
using PhaseScope.Moments;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Seed 000's extremal and coupling statistics during training, on the parameters θ and gradients g
/// after backward. Per tensor (when asked) and globally, the global values merged exactly from
/// per-tensor partials (<see cref="ExtremalPartial"/>, <see cref="CouplingPartial"/>):
/// <c>moments/m_cap</c> (m∩, Thm 4.7), <c>moments/d0</c>, <c>moments/beta</c>, <c>moments/beta_g</c>,
/// <c>moments/topological</c>, <c>moments/phase</c> (0 ordered, 1 quasi-ordered, 2 disordered: <see cref="PhaseReading"/>), the diagonal coupling <c>moments/C_diag@K</c> = C(K, K) and
/// <c>moments/q_hat@K</c> = Q̂_α(K) = −C(K,K)/log K (Cor. 6.4) for each K &gt; 1 of <see cref="Orders"/>. Beside the strict
/// m∩ of Thm 4.8, globally: <c>moments/m_cap_tol@τ</c>, <c>moments/m_tol@τ</c>, <c>moments/m_g_tol@τ</c> (m∩(τ), |J_max(τ)|,
/// |I_max(τ)|) for each relative tolerance τ of <see cref="MomentsOptions.Tolerances"/>, and <c>moments/tau_star</c>, the
/// smallest τ at which the sets meet (<see cref="ToleranceAlignment"/>; one more read of θ and g).
/// NaN or ±Inf in θ or g gives a <c>non_finite_values</c> event and no metrics for that call; training goes on.
/// Events: <c>order_gained</c> / <c>order_lost</c> when the global m∩ changes between 0 and ≥ 1 (the
/// ordered/disordered phases of §5), and <c>q_hat_jump</c> when Q̂_α at the largest order changes between
/// two calls by at least <see cref="QHatJump"/> × max(1, |previous Q̂_α|) (§6.3: a sudden increase signals
/// phase reversal). The seed gives no threshold; the relative form is PhaseScope's: in the disordered
/// regime Q̂_α(K) ≈ K·d₀/log K is large and moves with d₀ (measured: 17.7–23.8 over the first 8 steps of
/// the reference modular run), so an absolute threshold would fire at every call.
/// With <see cref="Snapshots"/> (grok turns them on, every 4th call) each call also writes <c>moments/spearman</c> (Spearman's ρ of |θ| and
/// |g|, fig. 4) and <c>moments/origin_mass</c> (share of pairs in the spectral plane's origin cell, fig. 5), and three
/// snapshots for the report: <c>moments/plane</c> (the (λ, μ) histogram, <see cref="SpectralPlanePartial"/>),
/// <c>moments/rank_sample</c> (a reproducible sample of normalised ranks, <see cref="RankSamplePartial"/>) and
/// <c>moments/surface</c> (C(k, l) on <see cref="SurfaceOrders"/>², <see cref="FastCouplingSurface"/>).
/// Cost: for contiguous float32 CPU parameters and doubling orders such as the default, one read of θ and g, in place
/// (<see cref="SummaryPass"/> via <see cref="DiagonalCoupling.OfHostPairs"/>). Otherwise, and with per-tensor metrics or
/// snapshots, the extremal pass and the log-sums of all orders per shard (one read each for float32 CPU shards, else one
/// [K × n] block per sum M, G, Z), the shards being the tensors
/// concatenated up to 2²² elements (<see cref="ShardBuckets"/>; one shard per tensor with per-tensor metrics or
/// snapshots), plus with snapshots one histogram pass, one sampling pass and the fast surface's three reads.
/// </summary>
public sealed class MomentsProbe : IResumableProbe
{
    long? lastIntersection;
    double? lastQHat;

    /// <summary>Creates the probe (validated).</summary>
    public MomentsProbe(MomentsOptions? options = null)
    {
        Options = options ?? new MomentsOptions();
        Options.Validate();
        SurfaceOrders = (Options.SurfaceOrders ?? Enumerable.Range(0, 9).Select(i => 4.0 * i).ToArray()).Distinct().Order().ToArray();
        Orders = (Options.Orders ?? [2, 4, 8, 16, 32]).Distinct().Order().ToArray();
        Schedule = Options.Schedule ?? ProbeSchedule.LogSpaced(10, 100);
    }

    /// <summary>The settings.</summary>
    public MomentsOptions Options { get; }
    /// <summary>Orders K of the diagonal, ascending.</summary>
    public double[] Orders { get; }
    /// <summary>Event threshold for Q̂_α.</summary>
    public double QHatJump => Options.QHatJump;
    /// <summary>Whether per-tensor metrics are written.</summary>
    public bool PerTensor => Options.PerTensor;
    /// <summary>Whether plane, rank sample and surface snapshots are written.</summary>
    public bool Snapshots => Options.Snapshots;
    /// <summary>Points of the rank–rank sample.</summary>
    public int SampleSize => Options.SampleSize;
    /// <summary>Snapshots are written at the schedule's 1st, (1 + N)th, (1 + 2N)th … step (a function of the step alone, so a
    /// resumed run writes the same ones; a step the schedule does not name, as under a monitor budget, gets none unless N = 1).</summary>
    public int SnapshotEvery => Options.SnapshotEvery;
    long countedTo, scheduled;   // memo: schedule points in [1, countedTo]

    bool SnapshotDue(long step, int evaluationEvery)
    {
        if (SnapshotEvery == 1) return true;
        if (step < countedTo) (countedTo, scheduled) = (0, 0);
        for (long s = countedTo + 1; s <= step; s++) if (Schedule.IsDue(s, evaluationEvery)) scheduled++;
        countedTo = step;
        return Schedule.IsDue(step, evaluationEvery) && (scheduled - 1) % SnapshotEvery == 0;
    }
    /// <summary>Orders of the surface snapshot.</summary>
    public double[] SurfaceOrders { get; }

    /// <inheritdoc />
    public string Name => "moments";
    /// <inheritdoc />
    public ProbeNeeds Needs => ProbeNeeds.Gradients;
    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        bool snapshot = Snapshots && SnapshotDue(context.Step, evaluationEvery: 1);
        // Without per-tensor metrics or snapshots, float32 CPU parameters are summarised in one read, not concatenated.
        if (!PerTensor && !snapshot)
        {
            var all = Enumerable.Range(0, context.Parameters.Count).Where(i => context.Gradient(i) is not null)
                .Select(i => (context.Parameters[i].Value, context.Gradient(i)!)).ToList();
            (ExtremalPartial Extremal, DiagonalCoupling Diagonal)? whole;
            try
            {
                whole = DiagonalCoupling.OfHostPairs(all, Orders);
            }
            catch (NonFiniteValuesException)
            {
                whole = null; // the shard path below finds the tensor again and names it in the event
            }
            if (whole is { } w)
            {
                Conclude(output, w.Extremal, w.Diagonal, null, all, context.Step);
                return;
            }
        }
        // Per-tensor metrics and snapshots (whose rank sample is seeded by the tensor's name) need one shard per tensor;
        // otherwise small tensors are concatenated into a few shards (ShardBuckets: native-call overhead, not arithmetic,
        // was the cost).
        var pairs = PerTensor || snapshot
            ? Enumerable.Range(0, context.Parameters.Count).Where(i => context.Gradient(i) is not null)
                .Select(i => new ShardBuckets.Shard(context.Parameters[i].Name, context.Parameters[i].Value, context.Gradient(i)!, Owned: false)).ToList()
            : ShardBuckets.Of(context);
        try
        {
            Observe(context, output, pairs, snapshot);
        }
        finally
        {
            foreach (var p in pairs) p.Dispose();
        }
    }

    void Observe(ProbeContext context, ProbeOutput output, List<ShardBuckets.Shard> pairs, bool snapshot)
    {
        ExtremalPartial? extremal = null;
        DiagonalCoupling? diagonal = null;
        foreach (var pair in pairs)
        {
            var (theta, g) = (pair.Theta, pair.Gradient);
            ExtremalPartial e;
            DiagonalCoupling d;
            try
            {
                (e, d) = DiagonalCoupling.WithExtremal(theta, g, Orders);
            }
            catch (NonFiniteValuesException)
            {
                // Moments are undefined; say so once for this call and leave training alone (monitoring never stops training).
                output.Event("non_finite_values", $"θ or g of '{pair.Label}' holds NaN or ±Inf; moments skipped at this step.");
                return;
            }
            if (PerTensor) Write(output, $"/{pair.Label}", e.Finish(), d.Finish());
            extremal = extremal is null ? e : extremal.Merge(e);
            diagonal = diagonal is null ? d : diagonal.Merge(d);
        }
        if (extremal is null || diagonal is null) return;
        // Finite θ and g are established by the extremal partials above.
        Conclude(output, extremal, diagonal, snapshot ? pairs.Select(p => (p.Label, p.Theta, p.Gradient)).ToList() : null,
            pairs.Select(p => (p.Theta, p.Gradient)).ToList(), context.Step);
    }

    /// <summary>The global metrics, snapshots (of <paramref name="snapshotShards"/>, when given) and events from the merged partials;
    /// the tolerance counts from <paramref name="pairs"/>, the (θ, g) pairs behind them.</summary>
    void Conclude(ProbeOutput output, ExtremalPartial extremal, DiagonalCoupling diagonal,
        List<(string Name, TorchSharp.torch.Tensor Theta, TorchSharp.torch.Tensor Grad)>? snapshotShards,
        List<(TorchSharp.torch.Tensor Theta, TorchSharp.torch.Tensor Grad)> pairs, long step)
    {
        var x = extremal.Finish();
        if (snapshotShards is not null) WriteSnapshots(output, x, snapshotShards, step);
        if (Options.Tolerances.Count > 0 && !x.Degenerate) WriteTolerances(output, ToleranceAlignment.Of(pairs, x, Options.Tolerances));
        var diag = diagonal.Finish();
        var qHat = Write(output, "", x, diag);
        if (diag.Any(p => p.Order > 1) && !x.Degenerate)   // all-zero θ or g: no phase to plot
            output.Metric(MomentsMetrics.Phase, (int)PhaseReading.From(x, diag.Where(p => p.Order > 1).ToArray()).Phase);
        if (lastIntersection is long before && (before == 0) != (x.Intersection == 0))
            output.Event(x.Intersection > 0 ? "order_gained" : "order_lost", x.Intersection > 0
                ? $"m∩ = {x.Intersection}: a parameter of largest magnitude now also has the largest gradient (ordered phase, seed 000 Thm 4.8)."
                : FormattableString.Invariant($"m∩ = 0: the largest parameters and the largest gradients are disjoint (disordered phase); d₀ = {x.D0:G4}."));
        if (lastQHat is double q && double.IsFinite(q) && double.IsFinite(qHat) && Math.Abs(qHat - q) >= QHatJump * Math.Max(1, Math.Abs(q)))
            output.Event("q_hat_jump", FormattableString.Invariant($"Q̂_α({Orders.Where(k => k > 1).DefaultIfEmpty(double.NaN).Max():G}) moved from {q:G4} to {qHat:G4} (threshold {QHatJump:G} × max(1, |Q̂_α|))."));
        lastIntersection = x.Intersection;
        lastQHat = qHat;
    }

    void WriteSnapshots(ProbeOutput output, ExtremalStatistics x, List<(string Name, TorchSharp.torch.Tensor Theta, TorchSharp.torch.Tensor Grad)> shards, long step)
    {
        static double? Finite(double v) => double.IsFinite(v) ? v : null;
        // The rank sample is seeded by each tensor's name and the step, so a resumed run draws the same points.
        var (plane, sample) = MomentsAnalysis.PlaneAndSample(shards, x, PlaneSettings.DefaultDisplayWidth, SampleSize, (ulong)step);
        output.MetricIfFinite(MomentsMetrics.Spearman, plane.Spearman);
        output.MetricIfFinite(MomentsMetrics.OriginMass, plane.OriginMass);
        output.Snapshot(MomentsMetrics.PlaneSnapshot, new
        {
            display_width = plane.DisplayWidth, zero_theta = plane.ZeroTheta, zero_grad = plane.ZeroGrad, spearman = Finite(plane.Spearman),
            cells = plane.Cells.Select(c => new[] { c.Lambda, c.Mu, c.Count }).ToArray(),
        });
        output.Snapshot(MomentsMetrics.RankSampleSnapshot, new
        {
            population = sample!.Population, points = sample.Points.Select(p => new[] { p.ThetaRank, p.GradRank }).ToArray(),
        });
        var surface = FastCouplingSurface.Compute(shards.Select(s => (s.Theta, s.Grad)).ToList(), SurfaceOrders, SurfaceOrders);
        output.Snapshot(MomentsMetrics.SurfaceSnapshot, new
        {
            k = SurfaceOrders, l = SurfaceOrders,
            c = Enumerable.Range(0, SurfaceOrders.Length).Select(i => Enumerable.Range(0, SurfaceOrders.Length).Select(j => Finite(surface.Coupling(i, j))).ToArray()).ToArray(),
        });
    }

    static void WriteTolerances(ProbeOutput output, ToleranceAlignment a)
    {
        for (int j = 0; j < a.Tolerances.Length; j++)
        {
            var tau = a.Tolerances[j].ToString("G", System.Globalization.CultureInfo.InvariantCulture);
            output.Metric(MomentsMetrics.MCapTolPrefix + tau, a.Sets[j].Intersection);
            output.Metric(MomentsMetrics.MTolPrefix + tau, a.Sets[j].Multiplicity);
            output.Metric(MomentsMetrics.MGTolPrefix + tau, a.Sets[j].GradMultiplicity);
        }
        output.Metric(MomentsMetrics.TauStar, a.SmallestTolerance);
    }

    /// <summary>Writes one set of metrics; returns Q̂_α at the largest order &gt; 1 (NaN if none).</summary>
    double Write(ProbeOutput output, string suffix, ExtremalStatistics x, (double Order, double Coupling)[] diagonal)
    {
        output.Metric($"{MomentsMetrics.MCap}{suffix}", x.Intersection);
        output.Metric($"{MomentsMetrics.D0}{suffix}", x.D0);
        if (suffix.Length == 0)
        {
            output.Metric(MomentsMetrics.Beta, x.Beta);
            output.Metric(MomentsMetrics.BetaG, x.BetaGrad);
            output.Metric(MomentsMetrics.Topological, x.TopologicalConstant);
        }
        double qHat = double.NaN;
        foreach (var (k, c) in diagonal)
        {
            if (suffix.Length == 0) output.Metric(FormattableString.Invariant($"{MomentsMetrics.CDiagPrefix}{k:G}"), c);
            if (k <= 1) continue;
            qHat = -c / Math.Log(k);
            output.Metric(FormattableString.Invariant($"{MomentsMetrics.QHatPrefix}{k:G}{suffix}"), qHat);
        }
        return qHat;
    }

    /// <inheritdoc />
    /// <remarks>The last m∩ and Q̂_α, which the order and jump events compare against.</remarks>
    public void SaveState(ProbeState state)
    {
        state.SetOptional("last_intersection", lastIntersection);
        state.SetOptional("last_q_hat", lastQHat);
    }

    /// <inheritdoc />
    public void LoadState(ProbeState state)
    {
        lastIntersection = state.Long("last_intersection");
        lastQHat = state.Double("last_q_hat");
    }
}
