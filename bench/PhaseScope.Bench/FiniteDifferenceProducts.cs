using PhaseScope.Consolidation;
using PhaseScope.Runtime;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// Hessian-vector products by a forward difference of gradients, H v ≈ (∇L(θ + εv) − ∇L(θ)) / ε, which seed 003 §11.6
/// names beside double backward ("finite differences or double backprop"). One product costs a forward and a first-order
/// backward, about half a double backward, but <see cref="HvpCostBench"/> measured one product 5–7,900 % off the exact one
/// (whatever ε) and λ_max +438 % after 1,500 steps on the reference ReLU transformer: a perturbation εv flips ReLU units, and the jump in
/// the gradient divided by ε does not vanish as ε shrinks (rounding grows instead). So PhaseScope keeps the exact product
/// (<see cref="PhaseScope.Consolidation.HessianVectorProduct"/>) and this stays in the bench as the evidence.
/// ε‖v‖ = √u·(1 + ‖θ‖) by default (Nocedal and Wright, §8.1). The parameters are moved in place under no_grad and copied
/// back from a snapshot after every product; the loss must be deterministic at fixed θ (checked once).
/// </summary>
sealed class FiniteDifferenceHessianVectorProduct : IDisposable
{
    readonly Func<Tensor> loss;
    readonly Tensor[] parameters;
    readonly Tensor[] snapshot;
    readonly Tensor baseGradient; // flat ∇L(θ)
    readonly long[] sizes;
    readonly double thetaNorm, unitRoundoff;
    readonly double? step;

    /// <summary>Takes ∇L(θ) once and a snapshot of θ.</summary>
    /// <param name="loss">Computes the scalar loss at the parameters' current values, with its graph (called once per
    /// product, with autograd enabled). It must be deterministic at fixed θ.</param>
    /// <param name="parameters">The floating-point tensors the Hessian is taken over (all requiring grad).</param>
    /// <param name="step">ε‖v‖ (null: the rule above).</param>
    /// <exception cref="ArgumentException">No parameter, one that does not require grad or is not floating point, or
    /// parameters of different dtypes; or the loss is not a scalar with a graph.</exception>
    /// <exception cref="InvalidOperationException">The loss changes between two evaluations at the same θ.</exception>
    public FiniteDifferenceHessianVectorProduct(Func<Tensor> loss, IReadOnlyList<Tensor> parameters, double? step = null)
    {
        this.step = step;
        if (parameters.Count == 0 || parameters.Any(p => !p.requires_grad))
            throw new ArgumentException("Every parameter of a Hessian-vector product must require grad.", nameof(parameters));
        var dtype = parameters[0].dtype;
        if (!is_floating_point(parameters[0]) || parameters.Any(p => p.dtype != dtype))
            throw new ArgumentException($"Finite-difference Hessian-vector products need floating-point parameters of one dtype; they have {string.Join(", ", parameters.Select(p => p.dtype).Distinct())}.", nameof(parameters));
        this.loss = loss;
        this.parameters = parameters.ToArray();
        sizes = this.parameters.Select(p => p.numel()).ToArray();
        Dimension = sizes.Sum();
        unitRoundoff = dtype switch
        {
            ScalarType.Float64 => Math.Pow(2, -53),
            ScalarType.Float32 => Math.Pow(2, -24),
            ScalarType.BFloat16 => Math.Pow(2, -8),
            _ => Math.Pow(2, -11), // float16
        };
        using var scope = NewDisposeScope();
        float first;
        (baseGradient, first) = Gradient();
        baseGradient.MoveToOuterDisposeScope();
        float again;
        using (no_grad())
        using (var l = loss()) again = l.to_type(ScalarType.Float32).item<float>();
        if (!(Math.Abs(again - first) <= 1e-5 * Math.Max(1, Math.Abs(first))))
        {
            baseGradient.Dispose();
            throw new InvalidOperationException($"The loss is not a deterministic function of the parameters (two evaluations at the same θ gave {first:R} and {again:R}): a finite-difference Hessian-vector product needs the same batch and no dropout; use the exact (double-backward) products instead.");
        }
        using (no_grad())
        {
            snapshot = this.parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
            thetaNorm = Math.Sqrt(this.parameters.Sum(p => p.detach().square().sum(ScalarType.Float64).item<double>()));
        }
    }

    /// <summary>P, the length of the flat vectors.</summary>
    public long Dimension { get; }

    /// <summary>H v for a flat vector v of length <see cref="Dimension"/> (any float dtype; the result has v's dtype).</summary>
    /// <exception cref="ArgumentException">v is not flat with <see cref="Dimension"/> elements.</exception>
    public Tensor Apply(Tensor v)
    {
        if (v.ndim != 1 || v.shape[0] != Dimension)
            throw new ArgumentException($"The vector must be flat with {Dimension} elements; it has shape [{string.Join(", ", v.shape)}].", nameof(v));
        using var scope = NewDisposeScope();
        double vNorm;
        using (no_grad()) vNorm = v.norm().to_type(ScalarType.Float64).item<double>();
        if (vNorm == 0 || !double.IsFinite(vNorm)) return (vNorm == 0 ? zeros_like(v) : full_like(v, double.NaN)).MoveToOuterDisposeScope();
        double epsilon = (step ?? Math.Sqrt(unitRoundoff) * (1 + thetaNorm)) / vNorm;
        var moved = GradientAt(v, epsilon);
        using var noGrad = no_grad();
        var difference = (moved - baseGradient).to_type(ScalarType.Float64);
        return KeptScalar.Div(difference, epsilon).to_type(v.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The flat gradient at θ + e·v; θ is restored from the snapshot whatever happens.</summary>
    Tensor GradientAt(Tensor v, double e)
    {
        try
        {
            using (no_grad())
            {
                var direction = v.detach().to_type(parameters[0].dtype);
                long offset = 0;
                for (int i = 0; i < parameters.Length; i++)
                {
                    using var part = direction.narrow(0, offset, sizes[i]).view(parameters[i].shape);
                    KeptScalar.With(e, s => parameters[i].add_(part, s));
                    offset += sizes[i];
                }
            }
            return Gradient().Flat;
        }
        finally
        {
            using var noGrad = no_grad();
            for (int i = 0; i < parameters.Length; i++) parameters[i].copy_(snapshot[i]);
        }
    }

    /// <summary>The flat gradient of the loss at the parameters' current values, and the loss.</summary>
    (Tensor Flat, float Loss) Gradient()
    {
        Tensor[] g;
        float value;
        using (enable_grad())
        {
            var l = loss();
            if (l.numel() != 1) throw new ArgumentException($"The loss must be a scalar; it has {l.numel()} elements.");
            if (!l.requires_grad) throw new ArgumentException("The loss has no autograd graph (computed under no_grad?); Hessian-vector products need one.");
            value = l.detach().to_type(ScalarType.Float32).item<float>();
            g = autograd.grad([l], parameters, retain_graph: false, allow_unused: true).ToArray();
        }
        using var noGrad = no_grad();
        return (cat(AutogradResults.OrZeros(g, parameters).Select(t => t.flatten()).ToArray()), value);
    }

    /// <summary>Releases the snapshot and the base gradient.</summary>
    public void Dispose()
    {
        foreach (var s in snapshot) s.Dispose();
        baseGradient.Dispose();
    }
}
