using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>
/// Streams n independent gradient samples at a fixed θ (seed 003 §11.1's n extra mini-batches) into
/// running sums, per tensor: memory is two tensors of the parameters' size (a shift and a sum), never
/// n of them as in the seed's code. Sums are taken around a shift c (the first sample), so
/// Tr Σ̂ = (Σ_j ‖g_j − c‖² − ‖Σ_j (g_j − c)‖²/n)/(n − 1) does not cancel catastrophically when the
/// signal dwarfs the noise; squared norms accumulate in float64.
/// </summary>
public sealed class GradientSampleAccumulator : IDisposable
{
    Tensor[]? shift, sum, squares;
    readonly int sampleBatchSize;

    /// <summary>Creates an empty accumulator.</summary>
    /// <param name="sampleBatchSize">Examples behind one sample, recorded in the result (0: unknown).</param>
    public GradientSampleAccumulator(int sampleBatchSize = 0) => this.sampleBatchSize = sampleBatchSize;

    /// <summary>Samples added so far.</summary>
    public int Count { get; private set; }

    /// <summary>Adds one sample: one gradient tensor per watched tensor, in a fixed order and shape.</summary>
    /// <exception cref="ArgumentException">The sample has another number of tensors or shapes than the first.</exception>
    public void Add(IReadOnlyList<Tensor> sample)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (shift is null)
        {
            shift = sample.Select(g => g.detach().clone().DetachFromDisposeScope()).ToArray();
            sum = sample.Select(g => zeros_like(g).DetachFromDisposeScope()).ToArray();
            squares = sample.Select(g => zeros(1, ScalarType.Float64, g.device).DetachFromDisposeScope()).ToArray();
            Count = 1;
            return;
        }
        if (sample.Count != shift.Length)
            throw new ArgumentException($"A gradient sample has {sample.Count} tensors but the first had {shift.Length}.", nameof(sample));
        for (int i = 0; i < sample.Count; i++)
            if (!sample[i].shape.SequenceEqual(shift[i].shape))
                throw new ArgumentException($"Tensor {i} of a gradient sample has shape [{string.Join(", ", sample[i].shape)}] but the first sample's had [{string.Join(", ", shift[i].shape)}].", nameof(sample));
        for (int i = 0; i < sample.Count; i++)
        {
            var d = sample[i].detach() - shift[i];
            KeptScalar.AddInPlace(sum![i], d);
            KeptScalar.AddInPlace(squares![i], KeptScalar.Square(d).sum(ScalarType.Float64));
        }
        Count++;
    }

    /// <summary>The per-tensor partials (in sample order) from the samples so far.</summary>
    /// <exception cref="InvalidOperationException">Fewer than 2 samples.</exception>
    public ConsolidationPartial[] Finish()
    {
        if (shift is null || Count < 2)
            throw new InvalidOperationException($"C_α needs at least 2 gradient samples; {Count} were added.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int n = Count;
        var values = new List<Tensor>(2 * shift.Length);
        for (int i = 0; i < shift.Length; i++)
        {
            var s = sum![i].to_type(ScalarType.Float64);
            var mean = KeptScalar.Sum(shift[i].to_type(ScalarType.Float64), KeptScalar.Div(s, n));
            values.Add(KeptScalar.Square(mean).sum());
            values.Add(KeptScalar.Div(squares![i].sum() - KeptScalar.Div(KeptScalar.Square(s).sum(), n), n - 1));
        }
        var v = stack(values).cpu().data<double>().ToArray();
        return Enumerable.Range(0, shift.Length)
            .Select(i => new ConsolidationPartial(n, shift[i].numel(), v[2 * i], Math.Max(0, v[2 * i + 1]), sampleBatchSize)).ToArray();
    }

    /// <summary>Releases the running sums.</summary>
    public void Dispose()
    {
        foreach (var t in (shift ?? []).Concat(sum ?? []).Concat(squares ?? [])) t.Dispose();
        shift = sum = squares = null;
    }
}
