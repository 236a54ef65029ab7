using PhaseScope.Runtime;
using PhaseScope.SpectralEdge;
using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>
/// The spectrum of the gradient samples' covariance Σ̂ = Cᵀ C/(n − 1), C the n × P matrix of the samples less their
/// mean (the Σ̂ whose trace is seed 003's noise, §3.1), from the n × n Gram C Cᵀ/(n − 1): the two share their nonzero
/// eigenvalues, so n small matrices replace one P × P one. Its participation ratio (<see cref="ParticipationRatio"/>) is the
/// effective dimension of the gradient noise, at most n − 1 (the centred samples span n − 1 directions).
/// Each sample is kept, flattened, as one float64 row (n·P·8 bytes): with micro-batches the rows are the accumulated
/// gradients G_j = (1/k) Σ_{i≤j} g_i and the samples their differences g_j = k (G_j − G_{j−1}), which float64 holds
/// exactly for float32 gradients.
/// </summary>
public sealed class GradientSampleGram : IDisposable
{
    readonly int samples;
    readonly bool cumulative;
    Tensor? rows;
    int observed;

    /// <summary>Creates the Gram of <paramref name="samples"/> samples (n ≥ 2); <paramref name="cumulative"/>: each
    /// observation is the running mean G_j of a micro-batch split, not the sample itself.</summary>
    public GradientSampleGram(int samples, bool cumulative)
    {
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), samples, "A covariance needs at least 2 gradient samples.");
        this.samples = samples;
        this.cumulative = cumulative;
    }

    /// <summary>The bytes the rows take for <paramref name="samples"/> samples of <paramref name="parameters"/> values.</summary>
    public static long Bytes(int samples, long parameters) => checked(samples * parameters * sizeof(double));

    /// <summary>Samples observed so far.</summary>
    public int Count => observed;

    /// <summary>Adds the next observation (one tensor per parameter, fixed order).</summary>
    public void Observe(IReadOnlyList<Tensor> gradients)
    {
        if (observed >= samples) throw new InvalidOperationException($"All {samples} gradient samples were already observed.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long length = gradients.Sum(g => g.numel());
        if (rows is null)   // every row is written before it is read (Eigenvalues needs all of them): no zero fill
            rows = empty([samples, length], ScalarType.Float64, gradients[0].device).DetachFromDisposeScope();
        else if (length != rows.shape[1])
            throw new ArgumentException($"The gradient sample has {length} values but the first had {rows.shape[1]}.", nameof(gradients));
        // Each tensor is cast into its slice of the row by one copy (read once, written once as float64): no float64
        // temporaries and no concatenated row, which cost three more passes over P values at each of the k micro-batches.
        var row = rows[observed];
        long offset = 0;
        foreach (var g in gradients)
        {
            long n = g.numel();
            row.narrow(0, offset, n).copy_(g.detach().flatten());
            offset += n;
        }
        observed++;
    }

    /// <summary>The eigenvalues of the n × n Gram C Cᵀ/(n − 1), descending (Σ of them is Tr Σ̂).</summary>
    public double[] Eigenvalues()
    {
        if (observed != samples || rows is null) throw new InvalidOperationException($"Expected {samples} gradient samples; observed {observed}.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor centred;
        if (cumulative)
        {
            // The samples k (G_j − G_{j−1}), G_0 = 0, formed in one new buffer: the same float64 differences and products
            // as subtracting a shifted copy, without the copy.
            var x = empty_like(rows);
            x[0].copy_(rows[0]);
            x.narrow(0, 1, samples - 1).copy_(rows.narrow(0, 1, samples - 1)).sub_(rows.narrow(0, 0, samples - 1));
            KeptScalar.With((double)samples, k => x.mul_(k));
            centred = x.sub_(x.mean([0L], keepdim: true));
        }
        else centred = rows.sub(rows.mean([0L], keepdim: true));
        var gram = KeptScalar.Div(centred.matmul(centred.t()), samples - 1.0).cpu().data<double>().ToArray();
        var matrix = new double[samples, samples];
        for (int i = 0; i < samples; i++)
            for (int j = 0; j < samples; j++) matrix[i, j] = gram[i * samples + j];
        return SymmetricEigen.Decompose(matrix).Values;
    }

    /// <summary>PR = (Σλ)²/Σλ² of Σ̂ (NaN when the samples are all equal).</summary>
    public double ParticipationRatio() => SpectralEdge.ParticipationRatio.Of(Eigenvalues());

    /// <summary>Releases the rows.</summary>
    public void Dispose()
    {
        rows?.Dispose();
        rows = null;
    }
}
