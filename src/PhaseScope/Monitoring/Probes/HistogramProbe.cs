using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Monitoring.Probes;

/// <summary>
/// Histograms of every watched tensor's values for TensorBoard's histogram tab: weights and gradients after backward
/// (<see cref="ForWeightsAndGradients"/>; the weights are θ_{t−1}, the ones the gradient was taken at), updates
/// θ_t − θ_{t−1} after the step (<see cref="ForUpdates"/>). Each tensor is bucketed on its own device (equal-width buckets
/// between its finite min and max, counted with <c>bincount</c>, plus Σx and Σx²); only the <see cref="Buckets"/> counts and four numbers reach the host.
/// Written as one <see cref="MonitorSnapshot"/> per kind and call (<see cref="TensorHistogram"/>).
/// The default schedule is log-spaced, 5 calls per decade of steps and at least every 500 steps
/// (about 35 calls in 10⁴ steps), so histograms cost a few reductions per tensor a few dozen times per run.
/// </summary>
public sealed class HistogramProbe : IProbe
{
    /// <summary>Buckets per histogram (TensorBoard re-buckets to 30 for display).</summary>
    public const int Buckets = 30;

    /// <summary>The default schedule (see the class summary).</summary>
    public static ProbeSchedule DefaultSchedule { get; } = ProbeSchedule.LogSpaced(perDecade: 5, maxInterval: 500);

    readonly bool updates;

    HistogramProbe(bool updates, ProbeSchedule? schedule)
    {
        this.updates = updates;
        Schedule = schedule ?? DefaultSchedule;
    }

    /// <summary>Weights and gradients, after backward.</summary>
    public static HistogramProbe ForWeightsAndGradients(ProbeSchedule? schedule = null) => new(false, schedule);

    /// <summary>Updates θ_t − θ_{t−1}, after the optimizer step.</summary>
    public static HistogramProbe ForUpdates(ProbeSchedule? schedule = null) => new(true, schedule);

    /// <inheritdoc />
    public string Name => updates ? "histograms_updates" : "histograms";

    /// <inheritdoc />
    public ProbeNeeds Needs => updates ? ProbeNeeds.Update : ProbeNeeds.Gradients;

    /// <inheritdoc />
    public ProbeSchedule Schedule { get; }

    /// <inheritdoc />
    public void Observe(ProbeContext context, ProbeOutput output)
    {
        if (updates)
        {
            output.Snapshot(TensorHistogram.UpdatesSnapshot, Collect(context, context.Update));
            return;
        }
        output.Snapshot(TensorHistogram.WeightsSnapshot, Collect(context, i => context.Parameters[i].Value));
        output.Snapshot(TensorHistogram.GradientsSnapshot, Collect(context, context.Gradient));
    }

    static TensorHistogram.Set Collect(ProbeContext context, Func<int, Tensor?> tensor)
    {
        var list = new List<TensorHistogram>();
        for (int i = 0; i < context.Parameters.Count; i++)
            if (tensor(i) is { } t && Of(context.Parameters[i].Name, t) is { } h) list.Add(h);
        return new TensorHistogram.Set(list);
    }

    /// <summary>The histogram of <paramref name="t"/>'s finite values; null when it has none, or is not floating point.</summary>
    public static TensorHistogram? Of(string name, Tensor t, int buckets = Buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        if (!t.is_floating_point() || t.numel() == 0) return null;
        using var scope = NewDisposeScope();
        var x = t.detach().flatten().to_type(ScalarType.Float32);
        long total = x.numel();
        var range = stack([x.min(), x.max()]).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        long nonFinite = 0;
        if (!double.IsFinite(range[0]) || !double.IsFinite(range[1]))
        {
            x = x.masked_select(x.isfinite());
            nonFinite = total - x.numel();
            if (x.numel() == 0) return null;
            range = stack([x.min(), x.max()]).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        }
        double lo = range[0], hi = range[1];
        var x64 = x.to_type(ScalarType.Float64);
        var sums = stack([x.sum(ScalarType.Float64), KeptScalar.Square(x64).sum()]).cpu().data<double>().ToArray();
        double n = x.numel();
        if (lo == hi)   // one value: one bucket
            return new TensorHistogram(name, lo, hi, n, sums[0], sums[1], [n], nonFinite);
        // bucket b = ⌊(x − lo)/(hi − lo)·B⌋, the maximum in the last bucket (TorchSharp's histc takes integer bounds)
        // (every Scalar kept alive through its call: KeptScalar)
        var unit = KeptScalar.Div(KeptScalar.With(lo, s => x64.sub(s)), hi - lo);
        var scaled = KeptScalar.Mul(unit, buckets).floor_();
        var index = KeptScalar.With(0.0, low => KeptScalar.With((double)(buckets - 1), high => scaled.clamp_(low, high))).to_type(ScalarType.Int64);
        var counts = index.bincount(null, buckets).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        return new TensorHistogram(name, lo, hi, n, sums[0], sums[1], counts, nonFinite);
    }
}
