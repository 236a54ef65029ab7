using PhaseScope.Training.Tasks;

namespace PhaseScope.Training.Forgetting;

/// <summary>Settings of the split-MNIST forgetting experiment (seed 000 §5.3).</summary>
public sealed record ForgettingOptions
{
    /// <summary>How task B is trained.</summary>
    public ForgettingStrategy Strategy { get; init; } = ForgettingStrategy.FineTune;
    /// <summary>Seed of initialisation, batch order and Fisher sampling.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>Epochs over each task's training set.</summary>
    public int EpochsPerTask { get; init; } = 2;
    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Hidden units per layer of the MLP.</summary>
    public int Hidden { get; init; } = 256;
    /// <summary>Parameters frozen by <see cref="ForgettingStrategy.Freeze"/> (seed: 1000).</summary>
    public int FreezeCount { get; init; } = 1000;
    /// <summary>EWC's λ (seed: 100).</summary>
    public double EwcLambda { get; init; } = 100;
    /// <summary>Task-A examples behind the Fisher estimate.</summary>
    public int FisherSamples { get; init; } = 1000;
    /// <summary>Task examples behind the gradient of the moments readings.</summary>
    public int MomentsExamples { get; init; } = 4096;
    /// <summary>Evaluate both tasks' test sets every this many steps (and at the end of each task).</summary>
    public int EvaluateEvery { get; init; } = 50;

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
        if (EvaluateEvery < 1) throw new TaskConfigurationException($"--eval-every must be at least 1 (got {EvaluateEvery}).");
    }
}
