using PhaseScope.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.LearningCoefficient;

/// <summary>
/// The local learning coefficient λ(w*) of singular learning theory, estimated by stochastic-gradient Langevin dynamics
/// (Lau, Furman, Wang, Murfet and Wei 2023, "Quantifying degeneracy in singular models via the learning coefficient";
/// used for developmental stages by Hoogland et al. 2024, "Loss landscape degeneracy and stagewise development"; the
/// devinterp project implements the same estimator):
/// <code>
///   λ̂(w*) = nβ · ( E_w[L_n(w)] − L_n(w*) ),   nβ = n / log n by default,
///   w_{t+1} = w_t − (ε/2) · ( nβ ∇L_m(w_t) + γ (w_t − w*) ) + N(0, ε I),
/// </code>
/// the expectation taken over the localised tempered posterior ∝ exp(−nβ L_n(w) − γ/2 ‖w − w*‖²), sampled by the chain
/// (L_m: a mini-batch loss). For a regular model near a non-degenerate minimum λ = d/2; degenerate directions lower it
/// (a quartic direction contributes 1/4, a flat one 0), so λ̂ measures how many effective parameters the point uses.
/// <para>Every chain starts at w*; its readings are the mini-batch losses at w_t after burn-in. The parameters are
/// restored to w* bit for bit afterwards, whatever happens (a monitor may call this mid-training); gradients are taken
/// with <c>autograd.grad</c>, so no <c>.grad</c> is touched. The noise comes from a dedicated generator.</para>
/// </summary>
public static class LocalLearningCoefficient
{
    /// <summary>Estimates λ̂ at the parameters' current values w*.</summary>
    /// <param name="parameters">The model's parameters (each requires grad); moved by the chains, restored at the end.</param>
    /// <param name="batchLoss">Mean loss (a scalar with graph) at the current parameters on the batch numbered by its
    /// argument: 0 … R − 1 are the reference batches, then each chain step takes the next number.</param>
    /// <param name="n">Training examples (for nβ = n / log n).</param>
    /// <param name="options">Chains, draws, step size, localisation.</param>
    /// <exception cref="ArgumentException">Bad options, no parameters, a parameter without grad, or a non-scalar or non-finite reference loss.</exception>
    public static LlcEstimate Estimate(IReadOnlyList<Tensor> parameters, Func<long, Tensor> batchLoss, long n, LlcOptions options)
    {
        options.Validate();
        double nBeta = options.NBetaFor(n);
        if (parameters.Count == 0) throw new ArgumentException("The LLC needs at least one parameter.");
        if (parameters.Any(p => !p.requires_grad)) throw new ArgumentException("Every parameter of an LLC estimate must require grad.");
        if (parameters.Any(p => !p.is_floating_point())) throw new ArgumentException("LLC parameters must be floating point.");

        var watched = parameters.ToArray();
        var start = parameters.Select(p => p.detach().clone()).ToArray();
        using var generator = new Generator((ulong)options.Seed, parameters[0].device);
        try
        {
            double reference = 0;
            for (int r = 0; r < options.ReferenceBatches; r++)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var l = batchLoss(r);
                if (l.numel() != 1) throw new ArgumentException($"The batch loss must be a scalar; it has {l.numel()} elements.");
                reference += l.ToDouble();
            }
            reference /= options.ReferenceBatches;
            if (!double.IsFinite(reference)) throw new ArgumentException($"The loss at the point is not finite ({reference}); the LLC is defined at a finite-loss point only.");

            double limit = 1e6 * (1 + Math.Abs(reference));
            long batch = options.ReferenceBatches;
            var perChain = new double[options.Chains];
            double lossSum = 0;
            long lossCount = 0;
            int diverged = 0;
            double halfStep = -options.StepSize / 2, noiseScale = Math.Sqrt(options.StepSize);
            for (int c = 0; c < options.Chains; c++)
            {
                Restore(parameters, start);
                double sum = 0;
                bool ok = true;
                for (int t = 0; t < options.BurnIn + options.Draws; t++)
                {
                    using var scope = NewDisposeScope();
                    double value;
                    Tensor[] grads;
                    using (enable_grad())
                    {
                        var loss = batchLoss(batch++);
                        value = loss.ToDouble();
                        if (!double.IsFinite(value) || Math.Abs(value) > limit) { ok = false; break; }
                        grads = autograd.grad([loss], watched, allow_unused: true).ToArray();
                    }
                    if (t >= options.BurnIn) sum += value;
                    using var noGrad = no_grad();
                    for (int i = 0; i < parameters.Count; i++)
                    {
                        var p = parameters[i];
                        // drift = nβ ∇L_m + γ (w − w*); w += −(ε/2) drift + √ε ξ.
                        var drift = zeros_like(p);
                        if (i < grads.Length && grads[i] is { IsInvalid: false } g) KeptScalar.With(nBeta, s => drift.add_(g, s));   // unused: ∂L/∂p = 0
                        if (options.Localization > 0)
                        {
                            var away = KeptScalar.With(-1.0, s => p.add(start[i], s));
                            KeptScalar.With(options.Localization, s => drift.add_(away, s));
                        }
                        KeptScalar.With(halfStep, s => p.add_(drift, s));
                        var noise = randn(p.shape, p.dtype, p.device, generator: generator);
                        KeptScalar.With(noiseScale, s => p.add_(noise, s));
                    }
                }
                if (ok && parameters.All(p => Finite(p))) perChain[c] = nBeta * (sum / options.Draws - reference);
                else { perChain[c] = double.NaN; diverged++; continue; }
                lossSum += sum;
                lossCount += options.Draws;
            }
            var good = perChain.Where(double.IsFinite).ToArray();
            double mean = good.Length == 0 ? double.NaN : good.Average();
            double se = good.Length < 2 ? double.NaN : Math.Sqrt(good.Sum(v => (v - mean) * (v - mean)) / (good.Length - 1) / good.Length);
            return new LlcEstimate(mean, se, perChain, reference, lossCount == 0 ? double.NaN : lossSum / lossCount, nBeta, diverged);
        }
        finally
        {
            Restore(parameters, start);
            foreach (var s in start) s.Dispose();
        }
    }

    static bool Finite(Tensor p)
    {
        using var scope = NewDisposeScope();
        return p.isfinite().all().ToBoolean();
    }

    static void Restore(IReadOnlyList<Tensor> parameters, Tensor[] values)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++) parameters[i].copy_(values[i]);
    }
}
