using System.Diagnostics;
using PhaseScope.Consolidation;
using PhaseScope.Training;
using PhaseScope.Training.Models;
using PhaseScope.Training.Tasks;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// What one Hessian-vector product costs on the reference modular model (seed 003 §11.6's λ_max), in one run:
///   exact product    = <see cref="HessianVectorProduct"/> (double backward of the flat ⟨∇L, v⟩);
///   per-tensor dot   = the same with ⟨∇L, v⟩ summed tensor by tensor, as the seed's code forms it (the naive baseline);
///   forward difference = (∇L(θ + εv) − ∇L(θ))/ε (<see cref="FiniteDifferenceHessianVectorProduct"/>);
/// each beside one forward and first-order backward, on 8 … 512 examples. Then how accurate the difference is, at
/// initialisation and after training: one product's relative error against the exact one for a range of ε, and λ_max by
/// 10 Lanczos iterations of each against a converged exact Lanczos on the same batch.
/// </summary>
static class HvpCostBench
{
    public static void Run(TaskData task, int reps, int trainedSteps)
    {
        using var model = BenchSetup.ReferenceModel(task);
        var parameters = model.parameters().ToArray();
        Console.WriteLine($"Hessian-vector products: modular add p=97, d_model 128, ReLU, {reps} products per figure (+1 warm-up, second of two passes), {get_num_threads()} threads");
        for (int pass = 0; pass < 2; pass++)
            foreach (int b in new[] { 8, 16, 64, 512 })
            {
                var source = new TrainingLossSource(task, model, b);
                using var scope = NewDisposeScope();
                var v = randn(parameters.Sum(p => p.numel()), ScalarType.Float64);
                v /= v.norm();
                double fb = Time(reps, () => { var l = source.LossOnBatch(1); autograd.grad([l], parameters, retain_graph: false, allow_unused: true); });
                using var exact = new HessianVectorProduct(source.LossOnBatch(1), parameters);
                double flat = Time(reps, () => exact.Apply(v));
                using var perTensor = new PerTensorDot(source.LossOnBatch(1), parameters);
                double naive = Time(reps, () => perTensor.Apply(v));
                using var difference = new FiniteDifferenceHessianVectorProduct(() => source.LossOnBatch(1), parameters);
                double fd = Time(reps, () => difference.Apply(v));
                if (pass == 1)
                    Console.WriteLine($"  batch {b,4}: forward+grad {fb,7:F2} ms   exact product {flat,7:F2} ms   per-tensor dot {naive,7:F2} ms (÷ exact {naive / flat:F2})   forward difference {fd,7:F2} ms (exact ÷ it {flat / fd:F2})");
            }
        Accuracy(task, model, parameters, "initialisation");
        new Trainer(task, model, new TrainerOptions { Steps = trainedSteps, BatchSize = 512, EvaluateEvery = int.MaxValue, Seed = 42 }).Run();
        Accuracy(task, model, parameters, $"after {trainedSteps} steps");
    }

    static double Time(int reps, Action body)
    {
        void Once() { using var s = NewDisposeScope(); body(); }
        Once();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) Once();
        return sw.Elapsed.TotalMilliseconds / reps;
    }

    static void Accuracy(TaskData task, PreNormTransformer model, Tensor[] parameters, string when)
    {
        var source = new TrainingLossSource(task, model, 64);
        using var scope = NewDisposeScope();
        var v = randn(parameters.Sum(p => p.numel()), ScalarType.Float64);
        v /= v.norm();
        Tensor hv;
        LanczosResult reference, e10;
        // The exact products first: the difference moves θ in place, which invalidates a kept graph (autograd's version check).
        using (var exact = new HessianVectorProduct(source.LossOnBatch(7), parameters))
        {
            hv = exact.Apply(v);
            reference = Lanczos.Run(exact.Apply, exact.Dimension, 60, 1e-9, seed: 3);
            e10 = Lanczos.Run(exact.Apply, exact.Dimension, 10, 1e-12, seed: 3);
        }
        var errors = new[] { 1e-2, 1e-3, 3e-4, 1e-4, 1e-5 }.Select(e =>
        {
            using var fd = new FiniteDifferenceHessianVectorProduct(() => source.LossOnBatch(7), parameters, e);
            return $"ε‖v‖ {e:G1}: {((fd.Apply(v) - hv).norm() / hv.norm()).item<double>():G2}";
        }).ToArray();
        Console.WriteLine($"  {when}, batch 64, one product's relative error of the forward difference: {string.Join(", ", errors)}");
        using var difference = new FiniteDifferenceHessianVectorProduct(() => source.LossOnBatch(7), parameters);
        var f10 = Lanczos.Run(difference.Apply, difference.Dimension, 10, 1e-12, seed: 3);
        double r = reference.LambdaMax;
        Console.WriteLine($"  {when}, batch 64, λ_max: exact Lanczos {reference.Iterations} it. {r:G5}; 10 it. exact {e10.LambdaMax:G5} ({(e10.LambdaMax - r) / r:+0.00%;-0.00%}), forward difference {f10.LambdaMax:G5} ({(f10.LambdaMax - r) / r:+0.00%;-0.00%})");
    }

    /// <summary>The double backward with ⟨∇L, v⟩ = Σ_i (∇_i L · v_i).sum(), one multiply, sum and add per tensor (seed 003 §11.6's form).</summary>
    sealed class PerTensorDot : IDisposable
    {
        readonly Tensor[] parameters, gradients;

        public PerTensorDot(Tensor loss, Tensor[] parameters)
        {
            this.parameters = parameters;
            using var grad = enable_grad();
            gradients = autograd.grad([loss], parameters, create_graph: true, retain_graph: true, allow_unused: false)
                .Select(g => g.DetachFromDisposeScope()).ToArray();
        }

        public Tensor Apply(Tensor v)
        {
            Tensor[] hv;
            using (enable_grad())
            {
                var vv = v.to_type(parameters[0].dtype);
                Tensor? dot = null;
                long offset = 0;
                for (int i = 0; i < parameters.Length; i++)
                {
                    var term = (gradients[i] * vv.narrow(0, offset, parameters[i].numel()).view(parameters[i].shape)).sum();
                    dot = dot is null ? term : dot + term;
                    offset += parameters[i].numel();
                }
                hv = autograd.grad([dot!], parameters, retain_graph: true, allow_unused: false).ToArray();
            }
            using var noGrad = no_grad();
            return cat(hv.Select(h => h.flatten()).ToArray()).to_type(v.dtype);
        }

        public void Dispose()
        {
            foreach (var g in gradients) g.Dispose();
        }
    }
}
