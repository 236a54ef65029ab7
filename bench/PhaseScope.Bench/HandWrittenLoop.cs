using PhaseScope.Training;
using PhaseScope.Training.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace PhaseScope.Bench;

/// <summary>
/// The minimal TorchSharp training loop a user would write by hand for the same model and data:
/// AdamW, gradient clipping, mini-batches from a permutation per epoch. The baseline the built-in
/// trainer is compared against.
/// </summary>
static class HandWrittenLoop
{
    public static double StepsPerSecond(TaskData task, nn.Module<Tensor, Tensor> model, TrainerOptions o)
    {
        var parameters = model.parameters().ToList();
        using var opt = optim.AdamW(parameters, o.LearningRate, o.Beta1, o.Beta2, 1e-8, o.WeightDecay);
        using var gen = new Generator((ulong)o.Seed);
        Tensor? perm = null;
        long pos = 0, n = task.TrainCount;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int step = 1; step <= o.Steps; step++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            if (perm is null || pos + o.BatchSize > n)
            {
                perm?.Dispose();
                perm = randperm(n, generator: gen).DetachFromDisposeScope();
                pos = 0;
            }
            var idx = perm.narrow(0, pos, o.BatchSize);
            pos += o.BatchSize;
            var logits = model.call(task.TrainInputs.index_select(0, idx));
            var loss = nn.functional.cross_entropy(logits.select(1, -1), task.TrainTargets.index_select(0, idx));
            loss.backward();
            nn.utils.clip_grad_norm_(parameters, o.GradientClip);
            opt.step();
        }
        watch.Stop();
        perm?.Dispose();
        return o.Steps / watch.Elapsed.TotalSeconds;
    }
}
