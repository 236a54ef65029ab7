using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>
/// Consolidation statistics from the step's own batch split into k equal micro-batches (seed 003 §3.1
/// estimated at almost no cost beyond the step). The trainer backpropagates each micro-batch loss scaled
/// by 1/k into the same <c>.grad</c>, so after micro-batch j the gradients hold G_j = (1/k) Σ_{i≤j} g_i and
/// after the last one the step's gradient G_k = ḡ. Each sample g_j = k (G_j − G_{j−1}) is never stored:
/// per tensor the accumulator keeps B = G_{j−1} + c/k with the shift c = g_1, so
/// ‖g_j − c‖ = k ‖G_j − B‖ is one fused distance, and at the end ‖Σ_j (g_j − c)‖/n = ‖ḡ − c‖.
/// Memory: two tensors of the parameters' size. Per micro-batch and tensor: three elementwise kernels.
/// The samples are gradients of micro-batches of B/k examples: their noise is about k times the noise of
/// the full step gradient (see <see cref="ConsolidationRatio.AtBatchSize"/>).
/// </summary>
public sealed class MicroBatchAccumulator : IDisposable
{
    readonly int microBatches;
    readonly int microBatchSize;
    Tensor[]? shiftOverK, lagged;
    readonly List<Tensor> distances = [];
    int observed;

    /// <summary>Creates the accumulator for <paramref name="microBatches"/> micro-batches (k ≥ 2).</summary>
    /// <param name="microBatches">k.</param>
    /// <param name="microBatchSize">Examples per micro-batch (recorded in the result; 0: unknown).</param>
    public MicroBatchAccumulator(int microBatches, int microBatchSize = 0)
    {
        if (microBatches < 2) throw new ArgumentOutOfRangeException(nameof(microBatches), microBatches, "C_α from micro-batches needs k ≥ 2 micro-batches.");
        this.microBatches = microBatches;
        this.microBatchSize = microBatchSize;
    }

    /// <summary>Micro-batches observed so far.</summary>
    public int Count => observed;

    /// <summary>Call after micro-batch <c>j</c>'s backward with the accumulated gradients G_j (one per tensor, fixed order).</summary>
    public void Observe(IReadOnlyList<Tensor> cumulative)
    {
        if (observed >= microBatches) throw new InvalidOperationException($"All {microBatches} micro-batches were already observed.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (shiftOverK is null)
        {
            shiftOverK = cumulative.Select(g => g.detach().clone().DetachFromDisposeScope()).ToArray();
            lagged = cumulative.Select(g => KeptScalar.Mul(g.detach(), 2).DetachFromDisposeScope()).ToArray();
        }
        else
        {
            if (cumulative.Count != shiftOverK.Length)
                throw new ArgumentException($"Micro-batch gradients have {cumulative.Count} tensors but the first had {shiftOverK.Length}.", nameof(cumulative));
            // Gradients reach here as leaves without graph: no detach, and the distances stay float32
            // until Finish (2 kernels per tensor besides the distance; this runs k times per step).
            for (int i = 0; i < cumulative.Count; i++)
            {
                var g = cumulative[i];
                distances.Add(g.dist(lagged![i]).DetachFromDisposeScope());
                KeptScalar.AddInPlace(lagged[i].copy_(g), shiftOverK[i]);
            }
        }
        observed++;
    }

    /// <summary>After the last micro-batch: the per-tensor partials; <paramref name="final"/> is G_k (the step's gradient).</summary>
    public ConsolidationPartial[] Finish(IReadOnlyList<Tensor> final)
    {
        if (observed != microBatches || shiftOverK is null)
            throw new InvalidOperationException($"Expected {microBatches} micro-batches before Finish; observed {observed}.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int t = shiftOverK.Length, k = microBatches;
        var values = new List<Tensor>(2 * t);
        for (int i = 0; i < t; i++)
        {
            var g = final[i].detach();
            values.Add(KeptScalar.Square(g).sum(ScalarType.Float64));
            values.Add(KeptScalar.Square(g.dist(KeptScalar.Mul(shiftOverK[i], k)).to_type(ScalarType.Float64)));
        }
        var v = stack(values).cpu().data<double>().ToArray();
        var q = new double[t];
        if (distances.Count > 0)
        {
            var d = stack(distances).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            for (int j = 0; j < d.Length; j++) q[j % t] += d[j] * d[j] * k * k;
        }
        return Enumerable.Range(0, t).Select(i =>
            new ConsolidationPartial(k, shiftOverK[i].numel(), v[2 * i], Math.Max(0, (q[i] - k * v[2 * i + 1]) / (k - 1)), microBatchSize)).ToArray();
    }

    /// <summary>Releases the buffers.</summary>
    public void Dispose()
    {
        foreach (var x in (shiftOverK ?? []).Concat(lagged ?? []).Concat(distances)) x.Dispose();
        shiftOverK = lagged = null;
        distances.Clear();
    }
}
