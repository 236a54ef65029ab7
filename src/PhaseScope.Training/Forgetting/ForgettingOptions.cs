using PhaseScope.Training.Tasks;

namespace PhaseScope.Training.Forgetting;

/// <summary>Settings of the split-MNIST forgetting experiment (seed 000 §5.3).</summary>
/// <param name="Strategy">How task B is trained.</param>
/// <param name="Seed">Seed of initialisation, batch order and Fisher sampling.</param>
/// <param name="EpochsPerTask">Epochs over each task's training set.</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="Hidden">Hidden units per layer of the MLP.</param>
/// <param name="FreezeCount">Parameters frozen by <see cref="ForgettingStrategy.Freeze"/> (seed: 1000).</param>
/// <param name="EwcLambda">EWC's λ (seed: 100).</param>
/// <param name="FisherSamples">Task-A examples behind the Fisher estimate.</param>
/// <param name="MomentsExamples">Task examples behind the gradient of the moments readings.</param>
/// <param name="EvaluateEvery">Evaluate both tasks' test sets every this many steps (and at the end of each task).</param>
/// <param name="Heads">One shared 10-way head or one head per task.</param>
/// <param name="CoreSize">Parameters in task A's extremal core for <see cref="ForgettingStrategy.EwcCore"/> (default 1000, the seed's freeze count).</param>
public sealed record ForgettingOptions(ForgettingStrategy Strategy = ForgettingStrategy.FineTune, int Seed = 42,
    int EpochsPerTask = 2, int BatchSize = 128, double LearningRate = 1e-3, int Hidden = 256, int FreezeCount = 1000,
    double EwcLambda = 100, int FisherSamples = 1000, int MomentsExamples = 4096, int EvaluateEvery = 50,
    SplitMnistHeads Heads = SplitMnistHeads.Single, int CoreSize = 1000)
{
    /// <summary>Optimizer steps of one task with <paramref name="examples"/> training examples.</summary>
    public int StepsPerTask(long examples) => EpochsPerTask * (int)((examples + BatchSize - 1) / BatchSize);

    /// <summary>Optimizer steps of a whole run on <paramref name="data"/> (task A, then task B).</summary>
    public int TotalSteps(SplitMnist data) => StepsPerTask(data.TaskA.TrainInputs.shape[0]) + StepsPerTask(data.TaskB.TrainInputs.shape[0]);

    /// <summary>Throws <see cref="TaskConfigurationException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (EpochsPerTask < 1) throw new TaskConfigurationException($"--epochs must be at least 1 (got {EpochsPerTask}).");
        if (BatchSize < 1) throw new TaskConfigurationException($"--batch-size must be at least 1 (got {BatchSize}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new TaskConfigurationException($"--lr must be a positive number (got {LearningRate}).");
        if (Hidden < 1) throw new TaskConfigurationException($"--hidden must be at least 1 (got {Hidden}).");
        if (FreezeCount < 1) throw new TaskConfigurationException($"--freeze-top must be at least 1 (got {FreezeCount}).");
        if (!(EwcLambda >= 0) || double.IsInfinity(EwcLambda)) throw new TaskConfigurationException($"--ewc-lambda must be finite and ≥ 0 (got {EwcLambda}).");
        if (FisherSamples < 1) throw new TaskConfigurationException($"--fisher-samples must be at least 1 (got {FisherSamples}).");
        if (MomentsExamples < 1) throw new TaskConfigurationException($"--moments-examples must be at least 1 (got {MomentsExamples}).");
        if (CoreSize < 1) throw new TaskConfigurationException($"--core-size must be at least 1 (got {CoreSize}).");
        if (!Enum.IsDefined(Heads)) throw new TaskConfigurationException($"--heads must be single or multi (got {Heads}).");
        if (EvaluateEvery < 1) throw new TaskConfigurationException($"--eval-every must be at least 1 (got {EvaluateEvery}).");
    }
}
