using PhaseScope.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PhaseScope.Training.Forgetting;

/// <summary>
/// Elastic weight consolidation (Kirkpatrick et al. 2017), the method of seed 000 §5.3: penalty
/// λ/2 Σᵢ Fᵢ (θᵢ − θ*ᵢ)² with θ* the parameters after task A and F the diagonal of task A's Fisher
/// information, estimated as the mean over <c>samples</c> task-A inputs of the squared per-example
/// gradient of log p(y|x) with y drawn from the model's own prediction (the true Fisher; the
/// "empirical" variant with the data label biases F towards examples the model gets wrong). Restricted to a core
/// (<see cref="ExtremalCore"/>), Fᵢ is kept on the core and set to 0 elsewhere: the same penalty on fewer parameters.
/// </summary>
public sealed class ElasticWeightConsolidation : IDisposable
{
    readonly Tensor[] anchor;
    readonly Tensor[] fisher;

    /// <summary>Estimates F at the current parameters from <paramref name="inputs"/> (one backward per example); with
    /// <paramref name="core"/> (per tensor 1 in the core, 0 elsewhere), F outside the core is 0.</summary>
    public ElasticWeightConsolidation(Func<Tensor, Tensor> logits, IReadOnlyList<Tensor> parameters, Tensor inputs, int samples, double lambda, Generator generator,
        IReadOnlyList<Tensor>? core = null)
    {
        if (core is not null && core.Count != parameters.Count) throw new ArgumentException($"{parameters.Count} parameter tensors but {core.Count} core masks.");
        if (!(lambda >= 0) || double.IsInfinity(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "EWC's λ must be finite and ≥ 0.");
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "The Fisher estimate needs at least one example.");
        Lambda = lambda;
        long n = Math.Min(samples, inputs.shape[0]);
        anchor = parameters.Select(p => p.detach().clone()).ToArray();
        fisher = parameters.Select(p => zeros_like(p)).ToArray();
        using var order = randperm(inputs.shape[0], generator: generator);
        for (long i = 0; i < n; i++)
        {
            using var scope = NewDisposeScope();
            var x = inputs[order[i]].unsqueeze(0);
            var logProbs = functional.log_softmax(logits(x), 1);
            Tensor y;
            using (no_grad()) y = multinomial(logProbs.detach().exp(), 1, generator: generator);
            var chosen = logProbs.gather(1, y).sum();
            var grads = autograd.grad([chosen], parameters.ToList(), retain_graph: false, allow_unused: true);
            using (no_grad())
                for (int j = 0; j < fisher.Length; j++)
                    // a parameter the loss does not reach (another task's head) gets an empty handle: its Fisher stays 0
                    if (grads[j] is { IsInvalid: false } g && g.numel() > 0) KeptScalar.With(1.0 / n, a => fisher[j].add_(g * g, alpha: a));
        }
        if (core is not null)
            using (no_grad())
                for (int j = 0; j < fisher.Length; j++) fisher[j].mul_(core[j]);
        SampleCount = n;
    }

    /// <summary>λ.</summary>
    public double Lambda { get; }
    /// <summary>Examples behind the Fisher estimate.</summary>
    public long SampleCount { get; }
    /// <summary>Σᵢ Fᵢ, a scale check.</summary>
    public double FisherTrace => fisher.Sum(f => f.sum().item<float>());

    /// <summary>λ/2 Σᵢ Fᵢ (θᵢ − θ*ᵢ)², differentiable in <paramref name="parameters"/>.</summary>
    public Tensor Penalty(IReadOnlyList<Tensor> parameters)
    {
        Tensor? total = null;
        for (int j = 0; j < fisher.Length; j++)
        {
            var d = parameters[j] - anchor[j];
            var term = (fisher[j] * d * d).sum();
            total = total is null ? term : KeptScalar.Sum(total, term);
        }
        return KeptScalar.Mul(total!, Lambda / 2);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in anchor) t.Dispose();
        foreach (var t in fisher) t.Dispose();
    }
}
