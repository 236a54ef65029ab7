using static TorchSharp.torch;

namespace PhaseScope.Consolidation;

/// <summary>
/// The Hessian of a scalar loss as a linear operator on flat vectors, by double backward (Pearlmutter):
/// H v = ∇_θ (∇_θ L · v). The first gradient is taken once, with its graph kept, so every product after the
/// first costs one extra backward pass (seed 003 §11.6 recomputes the loss for each product). Vectors are
/// flat (length <see cref="Dimension"/>, the parameters concatenated in order), so the eigen-solvers work
/// with a handful of kernels per iteration whatever the number of tensors. The loss and parameters are
/// not modified and no <c>.grad</c> is touched.
/// </summary>
public sealed class HessianVectorProduct : IDisposable
{
    readonly Tensor[] parameters;
    readonly Tensor gradient; // flat ∇L, with its graph

    /// <summary>Takes ∇L with its graph. <paramref name="loss"/> must be a scalar built with autograd enabled.</summary>
    /// <exception cref="ArgumentException">The loss is not a scalar or has no graph, or no parameter requires grad.</exception>
    public HessianVectorProduct(Tensor loss, IReadOnlyList<Tensor> parameters)
    {
        if (loss.numel() != 1) throw new ArgumentException($"The loss must be a scalar; it has {loss.numel()} elements.", nameof(loss));
        if (!loss.requires_grad) throw new ArgumentException("The loss has no autograd graph (computed under no_grad?); Hessian-vector products need one.", nameof(loss));
        if (parameters.Count == 0 || parameters.Any(p => !p.requires_grad))
            throw new ArgumentException("Every parameter of a Hessian-vector product must require grad.", nameof(parameters));
        this.parameters = parameters.ToArray();
        Dimension = this.parameters.Sum(p => p.numel());
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var g = autograd.grad([loss], this.parameters, create_graph: true, retain_graph: true, allow_unused: true);
        // One flat tensor (one cat node in the graph), so ⟨∇L, v⟩ is one dot product and its backward one split,
        // instead of a multiply, a sum and an add per tensor (measured: docs/PERFORMANCE.md, sixth part).
        gradient = cat(AutogradResults.OrZeros(g, this.parameters).Select(t => t.flatten()).ToArray()).MoveToOuterDisposeScope();
    }

    /// <summary>P, the length of the flat vectors.</summary>
    public long Dimension { get; }

    /// <summary>The flat gradient ∇L (with its graph; owned by this object: do not dispose or modify it).</summary>
    public Tensor Gradient => gradient;

    /// <summary>The data type products are computed in (the flat gradient's).</summary>
    public ScalarType DType => gradient.dtype;

    /// <summary>H v for a flat vector v of length <see cref="Dimension"/> (any float dtype and device; the result has v's dtype and device); zero when
    /// the loss is at most linear in the parameters.</summary>
    public Tensor Apply(Tensor v)
    {
        if (v.ndim != 1 || v.shape[0] != Dimension)
            throw new ArgumentException($"The vector must be flat with {Dimension} elements; it has shape [{string.Join(", ", v.shape)}].", nameof(v));
        using var scope = NewDisposeScope();
        // A gradient with no graph (the loss is at most linear in θ) has a zero Hessian; autograd.grad would fail on it.
        if (!gradient.requires_grad) return zeros_like(v).MoveToOuterDisposeScope();
        Tensor[] hv;
        using (enable_grad())
        {
            var dot = gradient.dot(v.detach().to(gradient.dtype, gradient.device));
            hv = autograd.grad([dot], parameters, retain_graph: true, allow_unused: true).ToArray();
        }
        using var noGrad = no_grad();
        var flat = cat(AutogradResults.OrZeros(hv, parameters).Select(h => h.detach().flatten()).ToArray());
        return flat.to(v.dtype, v.device).MoveToOuterDisposeScope();
    }

    /// <summary>Releases the kept gradient graph.</summary>
    public void Dispose() => gradient.Dispose();
}
