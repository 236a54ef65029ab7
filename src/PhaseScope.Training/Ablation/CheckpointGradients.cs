using PhaseScope.Checkpoints;
using PhaseScope.Runtime;
using PhaseScope.Training.Resume;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Training.Ablation;

/// <summary>
/// The parameters of a run's checkpoints and the full-set losses and gradients there, as the loss decomposition of
/// seed 001 §28 (<see cref="PhaseScope.SpectralEdge.DirectionImportance"/>) reads them: θ flattened and concatenated in the
/// model's parameter order (buffers left out), float64; ∇L_train and ∇L_test the gradients of the mean cross-entropy over
/// the whole training and test set (chunks of <see cref="Chunk"/> examples, each chunk's gradient weighted by its share),
/// float64, in the same order. The model is the run's own (built by the caller, weights loaded per checkpoint).
/// </summary>
public sealed class CheckpointGradients(nn.Module<Tensor, Tensor> model, TaskData data)
{
    /// <summary>Examples per forward and backward pass.</summary>
    public const int Chunk = 4096;

    readonly (string Name, Tensor Parameter)[] parameters = [.. model.named_parameters().Select(p => (p.name, p.parameter))];

    /// <summary>P, the parameters in all.</summary>
    public long Dimension => parameters.Sum(p => p.Parameter.numel());

    /// <summary>θ of the checkpoint <paramref name="path"/> (a model file of the run: <c>step_N.safetensors</c>), float64 on the CPU.</summary>
    /// <exception cref="ResumeException">The file lacks one of the model's parameters or holds it with another shape.</exception>
    public Tensor Parameters(string path)
    {
        var saved = Safetensors.Load(path);
        try
        {
            var flat = new List<Tensor>();
            foreach (var (name, p) in parameters)
            {
                if (!saved.TryGetValue(name, out var t) || !t.shape.SequenceEqual(p.shape))
                    throw new ResumeException($"{Path.GetFileName(path)} does not hold the model's parameter '{name}' [{string.Join(", ", p.shape)}]; it belongs to another model.");
                flat.Add(t.flatten().to_type(ScalarType.Float64));
            }
            var result = cat(flat.ToArray());
            foreach (var f in flat) f.Dispose();
            return result;
        }
        finally
        {
            foreach (var t in saved.Values) t.Dispose();
        }
    }

    /// <summary>Loads <paramref name="path"/> into the model and returns (L_train, ∇L_train, L_test, ∇L_test).</summary>
    public (double TrainLoss, Tensor TrainGradient, double TestLoss, Tensor TestGradient) At(string path)
    {
        ModelWeights.Load(model, path, "Pass the checkpoints of the run whose settings.json built this model.");
        model.train(false);
        var (trainLoss, trainGradient) = Gradient(data.TrainInputs, data.TrainTargets);
        var (testLoss, testGradient) = Gradient(data.TestInputs, data.TestTargets);
        return (trainLoss, trainGradient, testLoss, testGradient);
    }

    /// <summary>The test loss at <paramref name="path"/> (no gradient).</summary>
    public double TestLoss(string path)
    {
        ModelWeights.Load(model, path, "Pass the checkpoints of the run whose settings.json built this model.");
        model.train(false);
        using var _ = no_grad();
        return Objective.Measure(model, data.TestInputs, data.TestTargets, data.PerPosition).Loss;
    }

    void ZeroGradients()
    {
        foreach (var (_, p) in parameters)
        {
            using var g = p.grad;   // each read is a new handle
            g?.zero_();
        }
    }

    (double Loss, Tensor Gradient) Gradient(Tensor inputs, Tensor targets)
    {
        ZeroGradients();
        long n = inputs.shape[0];
        double loss = 0;
        for (long start = 0; start < n; start += Chunk)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(Chunk, n - start);
            var chunkLoss = Objective.Loss(model.call(inputs.narrow(0, start, len)), targets.narrow(0, start, len), data.PerPosition, float64: true);
            double share = (double)len / n;
            loss += chunkLoss.item<float>() * share;
            KeptScalar.Mul(chunkLoss, share).backward();
        }
        using var outer = NewDisposeScope();
        var grads = new List<Tensor>();
        foreach (var (_, p) in parameters)
        {
            using var g = p.grad;
            grads.Add(g is null ? zeros(p.numel(), ScalarType.Float64) : g.flatten().to_type(ScalarType.Float64));
        }
        var flat = cat(grads.ToArray()).cpu().MoveToOuterDisposeScope();
        ZeroGradients();
        return (loss, flat);
    }
}
